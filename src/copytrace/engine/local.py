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
from dataclasses import replace

import numpy as np

from copytrace.align.cascade import EXACT, QUOTES_ONLY
from copytrace.candidates.crosslingual import Population
from copytrace.candidates.furniture import corpus_furniture
from copytrace.candidates.groups import unpack_pair_keys
from copytrace.candidates.nominate import Nomination, nominate
from copytrace.clean import batch_line_keys, repeated_lines
from copytrace.cluster import build_clusters, settle_competing_translations
from copytrace.config import LAYERS, ScanConfig, unanchored, unrationed
from copytrace.document import Cluster, Document, DocumentRecord, Pair, ScanResult, Skip
from copytrace.engine.deep import deep_nomination
from copytrace.engine.executors import Executor, InProcess, make_executor
from copytrace.engine.memory import reuse_freed_memory
from copytrace.engine.store import TextStore
from copytrace.engine.tasks import (
    DEEP_ALONE, AlignContext, DocumentSource, FingerprintContext, LeadContext, Texts, align_task, fingerprint_task,
    lead_vectors_task, stretch_vectors_task,
)
from copytrace.engine.workdir import KeptTexts, SegmentWriter, WorkDir
from copytrace.fingerprint.embed import DIM, deep_semantic, resolve_device
from copytrace.fingerprint.keys import Fingerprints
from copytrace.origin import cleanest_longest, likely_source
from copytrace.read import read_inputs
from copytrace.text.tokens import is_member

__all__ = ["LAYERS", "ScanConfig", "ScanResult", "scan", "scan_documents"]


class Progress:
    """Rich progress bars on stderr, or nothing at all."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()

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


def read_documents(
    items: Iterable[Document | Skip], store: TextStore, progress: Progress, config: ScanConfig
) -> tuple[list[DocumentRecord], list[Skip], np.ndarray]:
    """Pass 1: texts to the store, metadata to memory, skips named on stderr, and the keys of every document's
    short lines (each document's distinct keys), whose repeats across the corpus are its furniture lines
    (clean.repeated_lines)."""
    records: list[DocumentRecord] = []
    skips: list[Skip] = []
    key_chunks: list[np.ndarray] = [np.zeros(0, np.uint64)]
    texts: list[str] = []
    clean_config = config.thresholds.clean
    with progress.task("reading") as advance:
        for item in items:
            if isinstance(item, Skip):
                skips.append(item)
                print(item, file=sys.stderr)
                continue
            store.append(item.text)
            records.append(DocumentRecord(item.id, item.path, item.date, None, len(item.text), 0))
            texts.append(item.text)
            if len(texts) == config.sizes.read_batch:
                key_chunks.append(batch_line_keys(texts, clean_config))
                texts = []
            advance()
    key_chunks.append(batch_line_keys(texts, clean_config))
    store.seal()
    return records, skips, np.concatenate(key_chunks)


def scan_documents(items: Iterable[Document | Skip], config: ScanConfig = ScanConfig()) -> ScanResult:
    """The whole pipeline over a stream of documents (and skips, which are counted and passed through)."""
    reuse_freed_memory()
    progress = Progress(config.progress)
    work = WorkDir(config.work_dir, config) if config.work_dir else None  # another run's folder refused here
    store = TextStore(config.temp_dir)
    executor = None
    try:
        records, skips, line_keys = read_documents(work.digesting(items) if work else items, store, progress, config)
        if work is not None:
            work.check_corpus(len(records))  # another corpus's folder refused here
        if not records:  # nothing to compare: every stage below assumes at least one document
            return ScanResult(records, [], [], skips)
        repeated = repeated_lines(line_keys, config.thresholds.clean)
        executor = make_executor(config.engine, config.workers, len(records), config.sizes, config.scheduler)
        fp = fingerprint_texts(executor, store, records, 0, repeated, config, progress, work)
        found, _ = relate_documents(executor, store, records, fp, repeated, config, progress, work=work)
        if work is not None and (work.reused_segments or work.reused_parts):
            print(f"copytrace: resumed from {work.path}: {work.reused_segments} fingerprint segment(s) and "
                  f"{work.reused_parts} align part(s) reused", file=sys.stderr)
    finally:
        if executor is not None:
            executor.close()
        store.close()
        if work is not None:
            work.close()
    return ScanResult(records, *settle(records, found, config), skips)


def relate_documents(
    executor: Executor, texts: Texts, records: list[DocumentRecord], fp: Fingerprints, repeated: frozenset[int],
    config: ScanConfig, progress: Progress, new_from: int = 0, old_partners_only: bool = False,
    furniture: np.ndarray | None = None, recheck: Nomination | None = None, population: Population | None = None,
    leads: dict[int, np.ndarray] | None = None, work: WorkDir | None = None,
    deep: tuple[Nomination, dict[tuple, np.ndarray]] | None = None,
) -> tuple[list[tuple[int, int, Pair]], np.ndarray]:
    """Candidates, alignment and kind for the documents whose fingerprints these are (numbered as `texts` and
    `records` number them): every related pair, or with new_from only the pairs that involve a document numbered
    new_from or above (with old_partners_only, each with one below), and the pairs of `recheck` besides. The
    corpus's furniture shingles are found unless given. Also the pair keys only the quotation index nominated
    (aligned as reports of one event). `population`: the corpus these documents are part of, where they are not all
    of it (an index's); `leads`: lead vectors known already (candidates.neighbours), by document number; `deep`: in deep semantic mode, the pairs
    nominated on nearest sentences and the sentence vectors known, where found already (an index's probe of its kept
    sentences, index.deep), else they are found over these documents. The fingerprints are consumed: their arrays
    are freed before workers fork again."""
    thresholds, threads = config.thresholds, config.workers or os.cpu_count() or 1
    if furniture is None:
        furniture = corpus_furniture(fp, texts.get_many, repeated, thresholds)
    nomination = nominate(fp, furniture, config.layers, thresholds.candidates, threads, population, new_from)
    # what shared words, names, numbers or quotations nominate (not leads, not deep mode's nearest sentences)
    anchored = np.concatenate([nomination.keys, nomination.shortlist])
    exact, langs = fp.exact, fp.langs
    del fp
    if not isinstance(executor, InProcess):  # the arrays freed before workers fork
        gc.collect()
    if len(nomination.foreign):  # every lead is embedded: the foreign ones are compared with all of them
        with_lang = np.flatnonzero([bool(lang) for lang in langs])
        vectors = dict(leads or {})
        missing = with_lang[[i not in vectors for i in with_lang.tolist()]] if vectors else with_lang
        vectors.update(lead_vectors(executor, texts, missing, config, progress))
        stretches = stretch_vectors(executor, texts, nomination.foreign, config, progress)
        nomination = nomination.with_lead_neighbours(vectors, langs, thresholds.candidates, stretches)
    sentence_vectors, deep_alone, alone_thresholds = None, None, None
    if deep_semantic(config):  # every sentence embedded: nominated on meaning, and aligned on it without a ration
        if deep is None:
            deep = deep_nomination(executor, texts, [r.id for r in records], langs, repeated, furniture, config,
                                   progress)
        by_sentences, sentence_vectors = deep
        deep_alone = by_sentences.keys[~is_member(by_sentences.keys, anchored)]
        nomination, alone_thresholds = nomination.joined(by_sentences), unanchored(thresholds)
        thresholds = unrationed(thresholds)
    if new_from:
        nomination = nomination.involving(new_from, old_partners_only)
    if recheck is not None:
        nomination = nomination.joined(recheck)
    context = AlignContext(uuid.uuid4().hex, repeated, furniture, config.layers, thresholds, config.sizes,
                           resolve_device(config.device), sentence_vectors, deep_alone_thresholds=alone_thresholds)
    docs = DocumentSource(texts, [r.id for r in records], langs)
    if work is not None and not executor.shares_files:  # the workers read the texts from the kept segments
        context = replace(context, documents=replace(docs, store=KeptTexts(str(work.path), config.sizes.batch_size)))
    found = _align_all(executor, nomination.keys, nomination.quotes_only, exact, docs, context, config, progress,
                       work, deep_alone)
    return found, nomination.quotes_only


def settle(
    records: list[DocumentRecord], found: list[tuple[int, int, Pair]], config: ScanConfig
) -> tuple[list[Pair], list[Cluster]]:
    """The corpus-wide last steps over every related pair (with the document numbers of `records`): translations
    that match several reports settled, each pair's likely original, pairs in order, copy families and story
    clusters."""
    thresholds = config.thresholds
    langs = [r.lang for r in records]
    pairs = []
    for i, j, pair in settle_competing_translations(found, langs, thresholds.classify):
        pair.source = likely_source(pair, records[i].evidence, records[j].evidence, thresholds.classify)
        pairs.append(pair)
    pairs.sort(key=lambda p: (p.a, p.b))
    by_id = {r.id: r for r in records}
    clusters = build_clusters(pairs, lambda members: cleanest_longest([by_id[m].evidence for m in members]))
    return pairs, clusters


def fingerprint_texts(
    executor: Executor, texts: Texts, records: list[DocumentRecord], first: int, repeated: frozenset[int],
    config: ScanConfig, progress: Progress, work: WorkDir | None = None,
) -> Fingerprints:
    """The fingerprints of the documents `records` describes, numbered from `first` in `texts`; each record gets its
    language and furniture count. With a work folder (a scan's, numbered from 0), the batches kept there are read
    back, and each other batch is kept there by the task that fingerprints it."""
    n, size = len(records), config.sizes.batch_size
    context = FingerprintContext(repeated, config.layers, config.thresholds)
    starts = range(0, n, size)
    parts: list[Fingerprints] = []
    if work is not None:
        kept = {s: work.finished_fingerprints(first + s) for s in starts}
        parts = [fp for fp in kept.values() if fp is not None]
        starts = [s for s in starts if kept[s] is None]
        context = replace(context, keep=SegmentWriter(str(work.path), records, repeated, config.thresholds.candidates,
                                                      config.thresholds.clean))
    ranges = (np.arange(first + s, first + min(s + size, n)) for s in starts)
    if executor.shares_files:  # the workers read their batches from the store themselves
        context = replace(context, store=texts)
        batches = ((idx, None) for idx in ranges)
    else:
        batches = ((idx, texts.get_many(idx)) for idx in ranges)
    with progress.task("fingerprinting", total=n) as advance:
        advance(sum(len(p) for p in parts))
        for part in executor.map(fingerprint_task, batches, context):
            parts.append(part)
            advance(len(part))
    if not parts:
        return Fingerprints.empty(config.thresholds.fingerprint.num_perm)
    parts.sort(key=lambda p: int(p.doc_index[0]) if len(p.doc_index) else 0)
    fp = Fingerprints.concatenate(parts)
    for r, lang, bp in zip(records, fp.langs, fp.boilerplate_chars.tolist()):
        r.lang, r.boilerplate_chars = lang, bp
    # each index sorted by key once: furniture detection and the indexes then group runs of equal keys without
    # sorting again.
    sort_indexes(fp, config.workers)
    return fp


#: key index rows from which sorting them is spread over threads (starting threads costs more for fewer)
_THREADED_ROWS = 1_000_000


def sort_indexes(fp: Fingerprints, workers: int) -> None:
    """Each of the fingerprints' key indexes in key order; a large one's columns reordered in threads (numpy lets
    go of the GIL to gather)."""
    if sum(len(index) for index in fp.indexes().values()) < _THREADED_ROWS:
        fp.sort_indexes(map)
        return
    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        fp.sort_indexes(pool.map)


def lead_vectors(
    executor: Executor, store: Texts, docs: np.ndarray, config: ScanConfig, progress: Progress
) -> dict[int, np.ndarray]:
    """The embeddings of these documents' leads (candidates.neighbours), by document number."""
    vectors: dict[int, np.ndarray] = {}
    with progress.task("embedding leads", total=len(docs)) as advance:
        for indices, part in _embedded(executor, store, docs, lead_vectors_task, config):
            vectors.update(zip(indices.tolist(), part))
            advance(len(indices))
    return vectors


def stretch_vectors(
    executor: Executor, store: Texts, docs: np.ndarray, config: ScanConfig, progress: Progress
) -> tuple[np.ndarray, np.ndarray]:
    """The embeddings of these documents' stretches (candidates.neighbours.stretch_leads), with the document of
    each."""
    found_docs, found_vectors = [np.empty(0, np.int64)], [np.zeros((0, DIM), np.float32)]
    with progress.task("embedding stretches") as advance:
        for stretch_docs, vectors in _embedded(executor, store, docs, stretch_vectors_task, config):
            found_docs.append(stretch_docs.astype(np.int64))
            found_vectors.append(vectors)
            advance()
    return np.concatenate(found_docs), np.concatenate(found_vectors)


def _embedded(executor: Executor, store: Texts, docs: np.ndarray, task, config: ScanConfig) -> Iterator:
    """The results of an embedding task over these documents' texts, in batches (at least two tasks, for two
    cores), as they come; none asked of a pool for no documents."""
    if len(docs) == 0:
        return iter(())
    size = max(1, min(config.sizes.batch_size, -(-len(docs) // 2)))
    batches = ((docs[s:s + size], store.get_many(docs[s:s + size])) for s in range(0, len(docs), size))
    return executor.map(task, batches, LeadContext(config.thresholds, resolve_device(config.device)))


def _align_all(
    executor: Executor, keys: np.ndarray, quotes_only: np.ndarray, exact: np.ndarray, docs: DocumentSource,
    context: AlignContext, config: ScanConfig, progress: Progress, work: WorkDir | None = None,
    deep_alone: np.ndarray | None = None,
) -> list[tuple[int, int, Pair]]:
    """Every candidate pair (pair keys) aligned and classified, in chunk order; `quotes_only` holds the keys only the
    quotation index nominated, which are aligned as related reports (align.cascade), `deep_alone` those only deep
    semantic mode nominated, aligned with context.deep_alone_thresholds. With a work folder, the chunks kept there
    are read back and each other one is kept there once aligned."""
    if len(keys) == 0:
        return []
    candidates = unpack_pair_keys(keys)
    flags = np.where(exact[candidates[:, 0]] == exact[candidates[:, 1]], EXACT, 0).astype(np.int8)
    flags[is_member(keys, quotes_only)] |= QUOTES_ONLY
    if deep_alone is not None:
        flags[is_member(keys, deep_alone)] |= DEEP_ALONE
    size = config.sizes.align_chunk
    starts = range(0, len(candidates), size)
    by_chunk: dict[int, list[tuple[int, int, Pair]]] = {}
    if work is not None:
        kept = {c: work.finished_pairs(c) for c in range(len(starts))}
        by_chunk = {c: part for c, part in kept.items() if part is not None}
    carried = context.documents is None  # else the workers read the texts themselves
    chunks = (
        (c, candidates[s:s + size], flags[s:s + size], docs.bundle(candidates[s:s + size]) if carried else None)
        for c, s in enumerate(starts) if c not in by_chunk
    )
    with progress.task("aligning", total=len(candidates)) as advance:
        advance(sum(len(candidates[starts[c]:starts[c] + size]) for c in by_chunk))
        for c, part in executor.map(align_task, chunks, context):
            if work is not None:
                work.keep_pairs(c, part)
            by_chunk[c] = part
            advance(len(candidates[starts[c]:starts[c] + size]))
    return [found for c in sorted(by_chunk) for found in by_chunk[c]]


def scan(paths: Iterable[str], config: ScanConfig = ScanConfig()) -> ScanResult:
    """Scan files, folders (recursively) and record corpora. Raises copytrace.read.InputError for a missing path."""
    return scan_documents(read_inputs(list(paths), config.fields, config.thresholds.read.min_document_words), config)
