"""The deep semantic stage (candidates.deep) run over a corpus: every document's sentences embedded in batches by
the executor's workers (each cleans and cuts its documents as alignment does, tokenises and embeds them on the
scan's device), then the nearest-sentence search in this process (numpy, or torch on a GPU), and the vectors kept
for alignment, which reads them instead of embedding again (fingerprint.embed.preloaded)."""
from __future__ import annotations

import numpy as np

from copytrace.candidates.deep import DocumentSentences, deep_candidates
from copytrace.candidates.nominate import Nomination
from copytrace.config import ScanConfig
from copytrace.engine.executors import Executor
from copytrace.engine.tasks import SentenceContext, sentence_vectors_task
from copytrace.fingerprint.embed import resolve_device


def deep_nomination(
    executor: Executor, texts, ids: list[str], langs: list[str | None], repeated: frozenset[int],
    furniture: np.ndarray, config: ScanConfig, progress,
) -> tuple[Nomination, dict[tuple, np.ndarray]]:
    """The pairs nominated on nearest sentences, and every document's sentence vectors by embedding key."""
    sentences = embed_sentences(executor, texts, ids, langs, np.arange(len(ids)), repeated, furniture, config,
                                progress)
    keys = deep_candidates(sentences, config.thresholds.candidates, config.sizes, resolve_device(config.device))
    empty = np.zeros(0, np.int64)
    return Nomination(keys, empty, empty, empty), sentences.by_key()


def embed_sentences(
    executor: Executor, texts, ids: list[str], langs: list[str | None], docs: np.ndarray, repeated: frozenset[int],
    furniture: np.ndarray, config: ScanConfig, progress,
) -> DocumentSentences:
    """Every sentence of these documents (numbers in `texts`; `ids` and `langs` numbered the same) embedded, in
    batches of deep_batch_documents documents over the executor's workers."""
    device, size = resolve_device(config.device), config.sizes.deep_batch_documents
    context = SentenceContext(repeated, furniture, config.thresholds, device)
    ranges = (docs[s:s + size] for s in range(0, len(docs), size))
    batches = ((idx, [(ids[i], text, langs[i]) for i, text in zip(idx.tolist(), texts.get_many(idx))])
               for idx in ranges)
    parts = []
    with progress.task("embedding every sentence", total=len(docs)) as advance:
        for part in executor.map(sentence_vectors_task, batches, context):
            parts.append(part)
            advance(len(part.docs))
    return DocumentSentences.concatenate(parts)
