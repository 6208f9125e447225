"""The embedded engine: run the stages over batches on this machine's cores.

read (one pass, texts to a disk store, furniture lines counted) -> fingerprint (batches, in a process pool)
-> candidates (numpy over the whole corpus's fingerprints) -> align + classify (candidate pairs, in the pool)
-> sources and clusters.
"""
from __future__ import annotations

import gc
import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from copytrace.arrays import argsort_keys, unique_values
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.candidates.crosslingual import crosslingual_candidates, foreign_documents
from copytrace.candidates.furniture import complete_passages, furniture_shingles, passage_holders
from copytrace.candidates.lsh import lsh_candidates
from copytrace.candidates.neighbours import SHORTLIST, lead_neighbours, neighbour_candidates
from copytrace.candidates.shared import MAX_DOC_FREQ, shared_passage_candidates
from copytrace.classify import SourceEvidence, cleanest_longest, likely_source, settle_competing_translations
from copytrace.clean.boilerplate import REPEATED_LINE_MIN_DOCS, batch_line_keys
from copytrace.cluster import Cluster, build_clusters
from copytrace.document import Document, Pair, Skip
from copytrace.engine.executors import Executor, make_executor
from copytrace.engine.stages import (
    EXACT, LAYERS, QUOTES_ONLY, AlignContext, FingerprintBatch, FingerprintContext, align_task, fingerprint_task,
    lead_vectors_task, story_texts,
)
from copytrace.engine.memory import reuse_freed_memory
from copytrace.engine.store import TextStore
from copytrace.fingerprint.lexical import SHINGLE_WORDS
from copytrace.fingerprint.tokens import is_member, shingle_hashes, tokenize
from copytrace.read import RecordFields, read_inputs

#: documents per fingerprint batch: big enough that numpy's per-call cost vanishes, small enough for bounded memory.
BATCH_SIZE = 1000
#: documents whose short lines are keyed at once while reading.
READ_BATCH = 2000
#: candidate pairs per align task.
ALIGN_CHUNK = 500
#: sampled skeleton n-grams / content-word pairs two documents must share to be compared sentence by sentence.
SKELETON_MIN_SHARED = 3
CONTENT_PAIRS_MIN_SHARED = 4
#: content-word pairs held by more than this many documents are topic vocabulary ("prime minister"), not reuse.
CONTENT_PAIRS_MAX_DOC_FREQ = 8
#: a reworded passage keeps its content words in roughly their order, not on an exact diagonal.
CONTENT_PAIRS_BAND = 40
#: quoted shingles two documents must share on one diagonal: one quotation of MIN_PASSAGE_WORDS (10) words.
QUOTE_MIN_SHARED = 6
#: a quotation is quoted whole or cut short, seldom with words inserted: its shingles stay on one diagonal.
QUOTE_BAND = 2
#: below this many documents a process pool costs more than it saves.
POOL_MIN_DOCS = 3000


@dataclass
class ScanConfig:
    layers: tuple[str, ...] = LAYERS
    fields: RecordFields = field(default_factory=RecordFields)
    batch_size: int = BATCH_SIZE
    workers: int = 0  # 0: one per core
    engine: str = "local"  # "local" (this machine's cores) or "dask"
    scheduler: str | None = None  # a Dask scheduler's address; None starts a local Dask cluster
    progress: bool = False
    temp_dir: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.layers) - set(LAYERS)
        if unknown or "lexical" not in self.layers:
            raise ValueError(f"layers must include 'lexical' and be among {LAYERS}, got {self.layers}")


@dataclass
class DocumentRecord:
    id: str
    path: str | None
    date: str | None
    lang: str | None
    chars: int
    boilerplate_chars: int

    def to_json(self) -> dict:
        return {"id": self.id, "path": self.path, "lang": self.lang, "chars": self.chars,
                "boilerplate_chars": self.boilerplate_chars, "date": self.date}

    @property
    def evidence(self) -> SourceEvidence:
        return SourceEvidence(self.id, self.date, self.chars, self.boilerplate_chars)


@dataclass
class ScanResult:
    documents: list[DocumentRecord]
    pairs: list[Pair]
    clusters: list[Cluster]
    skips: list[Skip]


class _Progress:
    """Rich progress bars on stderr, or nothing at all."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar = None

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[callable]:
        if not self.enabled:
            yield lambda n=1: None
            return
        from rich.progress import Progress

        with Progress(transient=True, console=_stderr_console()) as bar:
            t = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(t, n)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _read_all(items: Iterable[Document | Skip], store: TextStore, progress: _Progress):
    """Pass 1: texts to the store, metadata to memory, and the keys of every document's short lines; the keys held
    by REPEATED_LINE_MIN_DOCS documents are furniture lines."""
    records: list[DocumentRecord] = []
    skips: list[Skip] = []
    key_chunks: list[np.ndarray] = [np.zeros(0, np.uint64)]
    texts: list[str] = []
    with progress.task("reading") as advance:
        for item in items:
            if isinstance(item, Skip):
                skips.append(item)
                print(item, file=sys.stderr)
                continue
            store.append(item.text)
            records.append(DocumentRecord(item.id, item.path, item.date, None, len(item.text), 0))
            texts.append(item.text)
            if len(texts) == READ_BATCH:
                key_chunks.append(batch_line_keys(texts))
                texts = []
            advance()
    key_chunks.append(batch_line_keys(texts))
    keys, counts = np.unique(np.concatenate(key_chunks), return_counts=True)
    repeated = frozenset(keys[counts >= REPEATED_LINE_MIN_DOCS].tolist())
    store.seal()
    return records, skips, repeated


def _exact_candidates(exact: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Each member of a group of identical texts paired with the group's first member (a star, not a clique)."""
    idx = np.flatnonzero(usable)
    order = idx[argsort_keys(exact[idx])]
    values = exact[order]
    first = np.concatenate(([True], values[1:] != values[:-1]))
    head = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))] if len(order) else order
    keep = ~first
    return pair_keys(head[keep], order[keep])


def scan_documents(items: Iterable[Document | Skip], config: ScanConfig = ScanConfig()) -> ScanResult:
    """The whole pipeline over a stream of documents (and skips, which are counted and passed through)."""
    reuse_freed_memory()
    progress = _Progress(config.progress)
    store = TextStore(config.temp_dir)
    executor = None
    try:
        records, skips, repeated = _read_all(items, store, progress)
        n = len(records)
        if n == 0:  # nothing to compare: every stage below assumes at least one document
            return ScanResult(records, [], [], skips)
        executor = make_executor(config.engine, config.workers, n, POOL_MIN_DOCS, config.scheduler)
        fp = _fingerprint_all(executor, store, n, FingerprintContext(repeated, config.layers), config, progress)
        for r, lang, bp in zip(records, fp["langs"], fp["boilerplate_chars"].tolist()):
            r.lang, r.boilerplate_chars = lang, bp
        furniture = _furniture(fp, store, repeated)
        candidates, quotes_only = _candidates(fp, furniture, config.layers, config.workers or os.cpu_count() or 1)
        shortlist, foreign = np.empty(0, np.int64), np.empty(0, np.int64)
        if "semantic" in config.layers and "anchor_doc" in fp:
            shortlist = crosslingual_candidates(fp["anchor_doc"], fp["anchor_hash"], fp["langs"], SHORTLIST)
            foreign = foreign_documents(fp["langs"])
        exact, langs = fp["exact"], fp["langs"]
        # the indexes' arrays are done with: free them before workers fork again, so they do not carry them
        del fp
        gc.collect()
        if len(foreign):  # every lead is embedded: the foreign ones are compared with all of them
            vectors = _lead_vectors(executor, store, np.flatnonzero([bool(lang) for lang in langs]), config, progress)
            neighbours = unique_values(np.concatenate([
                neighbour_candidates(shortlist, vectors), lead_neighbours(foreign, vectors, langs)]))
            candidates = unique_values(np.concatenate([candidates, neighbours]))
            quotes_only = quotes_only[~is_member(quotes_only, neighbours)]
        context = AlignContext(uuid.uuid4().hex, repeated, furniture, config.layers)
        docs = _DocumentSource(store, [r.id for r in records], langs)
        found = _align_all(executor, candidates, quotes_only, exact, docs, context, progress)
    finally:
        if executor is not None:
            executor.close()
        store.close()
    pairs = []
    for i, j, pair in settle_competing_translations(found, langs):
        pair.source = likely_source(pair, records[i].evidence, records[j].evidence)
        pairs.append(pair)
    pairs.sort(key=lambda p: (p.a, p.b))
    by_id = {r.id: r for r in records}
    clusters = build_clusters(pairs, lambda members: cleanest_longest([by_id[m].evidence for m in members]))
    return ScanResult(records, pairs, clusters, skips)


@dataclass
class _DocumentSource:
    """What an align task needs of each document it touches: id, original text and language."""

    store: TextStore
    ids: list[str]
    langs: list[str | None]

    def bundle(self, indices: np.ndarray) -> dict[int, tuple[str, str, str | None]]:
        wanted = unique_values(np.ravel(indices)).tolist()
        return {i: (self.ids[i], text, self.langs[i]) for i, text in zip(wanted, self.store.get_many(wanted))}


def _fingerprint_all(
    executor: Executor, store: TextStore, n: int, context: FingerprintContext, config: ScanConfig, progress: _Progress
) -> dict:
    ranges = (np.arange(s, min(s + config.batch_size, n)) for s in range(0, n, config.batch_size))
    if executor.shares_files:  # the workers read their batches from the store themselves
        context = replace(context, store=store)
        batches = ((idx, None) for idx in ranges)
    else:
        batches = ((idx, store.get_many(idx)) for idx in ranges)
    parts: list[FingerprintBatch] = []
    with progress.task("fingerprinting", total=n) as advance:
        for part in executor.map(fingerprint_task, batches, context):
            parts.append(part)
            advance(len(part.doc_index))
    parts.sort(key=lambda p: int(p.doc_index[0]) if len(p.doc_index) else 0)
    if not parts:
        return {"langs": [], "boilerplate_chars": np.zeros(0, np.int64), "exact": np.zeros(0, np.uint64),
                "signatures": np.zeros((0, 1), np.uint32), "n_shingles": np.zeros(0, np.int64),
                "n_tokens": np.zeros(0, np.int64), "sample_doc": np.zeros(0, np.int64), "sample_hash": np.zeros(0, np.uint64),
                "sample_pos": np.zeros(0, np.int32)}
    lexical = ("exact", "signatures", "n_shingles", "sample_doc", "sample_hash", "sample_pos")
    spin = ("skeleton_doc", "skeleton_hash", "skeleton_pos", "content_doc", "content_hash", "content_pos",
            "anchor_doc", "anchor_hash")
    holders = {"boilerplate_chars": lambda p: p, "n_tokens": lambda p: p}
    holders.update({name: lambda p: p.lexical for name in lexical})
    if parts[0].spin is not None:
        holders.update({name: lambda p: p.spin for name in spin})
    if parts[0].quotes is not None:
        holders.update({name: lambda p: p.quotes for name in ("quote_doc", "quote_hash", "quote_pos")})
    out: dict = {"langs": [lang for p in parts for lang in p.langs]}
    for name, holder in holders.items():
        out[name] = np.concatenate([getattr(holder(p), name) for p in parts])
        for p in parts:  # drop each part's copy once the corpus-wide array exists: memory stays ~1x, not 2x
            setattr(holder(p), name, None)
    # each index sorted by key once: furniture detection and the indexes then group runs of equal keys without
    # sorting again. Its columns are reordered in threads (numpy lets go of the GIL to gather).
    with ThreadPoolExecutor(config.workers or os.cpu_count() or 1) as pool:
        for index in ("sample", "skeleton", "content", "quote", "anchor"):
            if f"{index}_hash" in out:
                order = argsort_keys(out[f"{index}_hash"])
                columns = [f"{index}_{c}" for c in ("doc", "hash", "pos") if f"{index}_{c}" in out]
                for name, column in zip(columns, pool.map(lambda name: out[name][order], columns)):
                    out[name] = column
    return out


def _furniture(fp: dict, store: TextStore, repeated: frozenset[int]) -> np.ndarray:
    """Every shingle of the corpus's in-text furniture passages (candidates.furniture): found on the sample,
    completed from the full text of a few of each passage's holders."""
    furniture = furniture_shingles(fp["sample_doc"], fp["sample_hash"], fp["signatures"])
    holders = passage_holders(fp["sample_doc"], fp["sample_hash"], furniture)
    if len(holders) == 0:
        return furniture
    tokens = tokenize(story_texts(store.get_many(holders.tolist()), repeated)[1])
    return complete_passages(*shingle_hashes(tokens.hashes, tokens.doc_offsets, SHINGLE_WORDS), furniture)


def _candidates(
    fp: dict, furniture: np.ndarray, layers: tuple[str, ...], threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Pair keys (sorted) of every pair some index nominates, and of those only the quotation index nominates.
    The indexes are independent and spend their time in numpy and the compiled core, which let go of the GIL: they
    are built in `threads` threads at once."""
    story = ~is_member(fp["sample_hash"], furniture)
    jobs = [
        (_exact_candidates, fp["exact"], fp["n_tokens"] > 0),
        (lsh_candidates, fp["signatures"], fp["n_shingles"] > 0),
        (shared_passage_candidates, fp["sample_doc"][story], fp["sample_hash"][story], fp["sample_pos"][story]),
    ]
    if "skeleton_doc" in fp:
        jobs.append((shared_passage_candidates, fp["skeleton_doc"], fp["skeleton_hash"], fp["skeleton_pos"],
                     SKELETON_MIN_SHARED))
        jobs.append((shared_passage_candidates, fp["content_doc"], fp["content_hash"], fp["content_pos"],
                     CONTENT_PAIRS_MIN_SHARED, CONTENT_PAIRS_MAX_DOC_FREQ, CONTENT_PAIRS_BAND))
    if "semantic" in layers and "anchor_doc" in fp:
        jobs.append((crosslingual_candidates, fp["anchor_doc"], fp["anchor_hash"], fp["langs"]))
    if "quote_doc" in fp:  # last: its keys are told apart below
        jobs.append((shared_passage_candidates, fp["quote_doc"], fp["quote_hash"], fp["quote_pos"], QUOTE_MIN_SHARED,
                     MAX_DOC_FREQ, QUOTE_BAND))
    with ThreadPoolExecutor(max(1, threads)) as pool:
        keys = list(pool.map(lambda job: job[0](*job[1:]), jobs))
    quoted = keys.pop() if "quote_doc" in fp else np.empty(0, np.int64)
    copies = unique_values(np.concatenate(keys))
    return unique_values(np.concatenate([copies, quoted])), quoted[~is_member(quoted, copies)]


def _lead_vectors(
    executor: Executor, store: TextStore, docs: np.ndarray, config: ScanConfig, progress: _Progress
) -> dict[int, np.ndarray]:
    vectors: dict[int, np.ndarray] = {}
    if len(docs) == 0:
        return vectors
    size = max(1, min(config.batch_size, -(-len(docs) // 2)))  # at least two tasks, for two cores
    batches = ((docs[s:s + size], store.get_many(docs[s:s + size])) for s in range(0, len(docs), size))
    with progress.task("embedding leads", total=len(docs)) as advance:
        for indices, part in executor.map(lead_vectors_task, batches, None):
            vectors.update(zip(indices.tolist(), part))
            advance(len(indices))
    return vectors


def _align_all(
    executor: Executor, keys: np.ndarray, quotes_only: np.ndarray, exact: np.ndarray, docs: _DocumentSource,
    context: AlignContext, progress: _Progress,
) -> list[tuple[int, int, Pair]]:
    """Every candidate pair (pair keys) aligned and classified; `quotes_only` holds the keys only the quotation
    index nominated, which are aligned as related reports (stages.align_pair)."""
    if len(keys) == 0:
        return []
    candidates = unpack_pair_keys(keys)
    flags = np.where(exact[candidates[:, 0]] == exact[candidates[:, 1]], EXACT, 0).astype(np.int8)
    flags[is_member(keys, quotes_only)] |= QUOTES_ONLY
    chunks = (
        (candidates[s:s + ALIGN_CHUNK], flags[s:s + ALIGN_CHUNK], docs.bundle(candidates[s:s + ALIGN_CHUNK]))
        for s in range(0, len(candidates), ALIGN_CHUNK)
    )
    found = []
    with progress.task("aligning", total=len(candidates)) as advance:
        for part in executor.map(align_task, chunks, context):
            found.extend(part)
            advance(len(part))
    return found


def scan(paths: Iterable[str], config: ScanConfig = ScanConfig()) -> ScanResult:
    """Scan files, folders (recursively) and record corpora. Raises copytrace.read.InputError for a missing path."""
    return scan_documents(read_inputs(list(paths), config.fields), config)
