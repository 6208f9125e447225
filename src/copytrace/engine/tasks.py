"""The stages as tasks: pure functions `fn(task, context)` that an executor runs in-process, in a fork pool or on
Dask. A task carries its document numbers (and texts, where the workers cannot read the scan's store); the context,
sent once per stage, carries what every task of the stage shares, the scan's thresholds among it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from copytrace.candidates.neighbours import lead, stretch_leads
from copytrace.classify import relate_batch
from copytrace.align.cascade import ViewCache
from copytrace.candidates.deep import DocumentSentences
from copytrace.config import EngineConfig, Thresholds
from copytrace.document import Pair
from copytrace.arrays import unique_values
from copytrace.engine.store import TextStore
from copytrace.engine.workdir import SegmentWriter
from copytrace.fingerprint.batch import fingerprint_batch
from copytrace.fingerprint.embed import document_key, embedder, one_blas_thread, preloaded, using_device
from copytrace.fingerprint.keys import Fingerprints
from copytrace.text.sentences import sentence_text


@dataclass
class FingerprintContext:
    repeated: frozenset[int]
    layers: tuple[str, ...]
    thresholds: Thresholds
    #: the scan's text store, when the workers can read it themselves (this machine's processes); else None and
    #: every task carries its texts
    store: TextStore | None = None
    #: with a work folder (engine.workdir): each task keeps its batch there as a segment
    keep: SegmentWriter | None = None


@dataclass
class LeadContext:
    thresholds: Thresholds
    device: str = "cpu"  # a resolved device (fingerprint.embed.resolve_device)


@dataclass
class AlignContext:
    scan_id: str  # views cached in a worker belong to one scan
    repeated: frozenset[int]
    furniture: np.ndarray
    layers: tuple[str, ...]
    thresholds: Thresholds
    sizes: EngineConfig
    device: str = "cpu"
    #: deep semantic mode: every document's sentence vectors, by embedding key (fingerprint.embed.preloaded)
    vectors: dict[tuple, np.ndarray] | None = None
    #: where tasks carry no texts: the documents, whose texts the workers read themselves (a work folder's segments)
    documents: DocumentSource | None = None
    #: deep semantic mode: the thresholds of the pairs flagged DEEP_ALONE (config.unanchored)
    deep_alone_thresholds: Thresholds | None = None


#: an align task's flag (beside align.cascade's EXACT and QUOTES_ONLY): a pair only deep semantic mode nominated
DEEP_ALONE = 8


class Texts(Protocol):
    """Where the engine reads documents' texts by number: a scan's TextStore, an index's segments, a work folder's
    segments. Forked workers read it themselves."""

    def get_many(self, indices: Iterable[int]) -> list[str]: ...


@dataclass
class DocumentSource:
    """What an align task needs of each document it touches: id, original text and language."""

    store: Texts
    ids: list[str]
    langs: list[str | None]

    def bundle(self, indices: np.ndarray) -> dict[int, tuple[str, str, str | None]]:
        wanted = unique_values(np.ravel(indices)).tolist()
        return {i: (self.ids[i], text, self.langs[i]) for i, text in zip(wanted, self.store.get_many(wanted))}


@dataclass
class SentenceContext:
    repeated: frozenset[int]
    furniture: np.ndarray
    thresholds: Thresholds
    device: str = "cpu"


def fingerprint_task(task: tuple[np.ndarray, list[str] | None], context: FingerprintContext) -> Fingerprints:
    indices, texts = task
    if texts is None:  # read from the shared store here, not by the process that hands out the tasks
        texts = context.store.get_many(indices)
    fp = fingerprint_batch(indices, texts, context.repeated, context.layers, context.thresholds)
    if context.keep is not None and len(fp):
        context.keep.write(fp, texts)
    return fp


def lead_vectors_task(task: tuple[np.ndarray, list[str]], context: LeadContext) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the leads of a batch of documents (candidates.neighbours)."""
    indices, texts = task
    with using_device(context.device):
        return indices, embedder().encode([lead(t, context.thresholds.candidates) for t in texts])


def stretch_vectors_task(task: tuple[np.ndarray, list[str]], context: LeadContext) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the stretches of a batch of documents (candidates.neighbours.stretch_leads), with the document
    of each."""
    indices, texts = task
    stretches = [stretch_leads(t, context.thresholds.candidates) for t in texts]
    docs = np.repeat(indices, [len(s) for s in stretches])
    with using_device(context.device):
        return docs, embedder().encode([s for mine in stretches for s in mine])


def sentence_vectors_task(
    task: tuple[np.ndarray, list[tuple[str, str, str | None]]], context: SentenceContext
) -> DocumentSentences:
    """Every sentence of a batch of documents embedded (deep semantic mode), cut into sentences exactly as alignment
    cuts them (the same cleaned views), so alignment finds them under its own keys."""
    indices, docs = task
    views = ViewCache(lambda i: docs[i], context.repeated, context.furniture, len(docs), context.thresholds)
    views.prefetch(range(len(docs)))
    keys, counts, tokens, usable, sentences = [], [], [], [], []
    for k in range(len(docs)):
        view = views(k)
        table = view.sentences
        texts = [sentence_text(view, table, s) for s in range(len(table))]
        keys.append(document_key(view.id, texts))
        counts.append(len(texts))
        tokens.append(table.bounds[:, 1] - table.bounds[:, 0])
        usable.append(table.chars > 0)
        sentences.extend(texts)
    with using_device(context.device):
        vectors = embedder().encode(sentences)
    return DocumentSentences(
        np.asarray(indices, np.int64), keys, np.asarray(counts, np.int64), vectors,
        np.concatenate(tokens) if tokens else np.zeros(0, np.int64),
        np.concatenate(usable) if usable else np.zeros(0, bool),
    )


#: the views a worker keeps across the align tasks of one scan
_views: dict[str, ViewCache] = {}


def align_task(
    task: tuple[int, np.ndarray, np.ndarray, dict[int, tuple[str, str, str | None]] | None], context: AlignContext
) -> tuple[int, list[tuple[int, int, Pair]]]:
    """Align and classify chunk number `chunk` of the candidate pairs; the task carries (id, text, language) of every
    document it touches, or the worker reads them (context.documents)."""
    chunk, pairs, flags, docs = task
    if docs is None:
        docs = context.documents.bundle(pairs)
    cache = _views.get(context.scan_id)
    if cache is None:
        _views.clear()
        cache = _views[context.scan_id] = ViewCache(
            None, context.repeated, context.furniture, context.sizes.view_cache_size, context.thresholds
        )
    cache.load = docs.__getitem__
    alone = (flags & DEEP_ALONE) != 0
    with using_device(context.device), preloaded(context.vectors), one_blas_thread():
        if not alone.any():
            return chunk, relate_batch(pairs, flags, cache, context.layers, context.sizes.prefetch_pairs,
                                       context.thresholds)
        found = relate_batch(pairs[~alone], flags[~alone], cache, context.layers, context.sizes.prefetch_pairs,
                             context.thresholds)
        found += relate_batch(pairs[alone], flags[alone] & ~DEEP_ALONE, cache, context.layers,
                              context.sizes.prefetch_pairs, context.deep_alone_thresholds)
    rank = {(i, j): n for n, (i, j) in enumerate(pairs.tolist())}  # the chunk's order, as without the flag
    return chunk, sorted(found, key=lambda f: rank[f[0], f[1]])
