"""`Index`: a corpus copytrace remembers. Add documents day by day, ask which indexed documents a new text copies,
remove documents for good, and write every related pair, exactly as `scan` does.

An add fingerprints only the new documents, with the furniture lines counted over the whole index, probes the
segments' sorted key indexes for the indexed documents that share a key with them (index.snapshot), and aligns only
the candidate pairs that involve a new document; the pairs it finds are stored with its segment. A query does the
same without writing. Neither reads the whole index: their cost grows with the batch and its neighbours. `pairs` gathers
the stored pairs of the live documents and settles them corpus-wide (competing translations, likely originals,
families). Corpus-wide statistics are those of the index when each pair was found: a line that becomes furniture
after later adds is furniture for the pairs found from then on. In deep semantic mode an add keeps its documents'
sentence vectors in its segment, and adds and queries probe them (index.deep): a copy sharing no key with its source
(a translation with names and numbers rewritten) is found as a deep scan finds it.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path

import numpy as np

from copytrace.arrays import unique_values
from copytrace.candidates.crosslingual import Population
from copytrace.candidates.deep import DocumentSentences, KeptSentences
from copytrace.candidates.furniture import completed_furniture, furniture_threshold, judge_furniture
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.candidates.nominate import Nomination
from copytrace.config import EngineConfig, ScanConfig, Thresholds
from copytrace.document import Document, DocumentRecord, Pair, ScanResult, Skip
from copytrace.engine.deep import embed_sentences
from copytrace.engine.executors import Executor, make_executor
from copytrace.engine.local import (
    Progress, fingerprint_texts, lead_vectors, read_documents, relate_documents, settle, sort_indexes,
)
from copytrace.engine.memory import reuse_freed_memory
from copytrace.engine.store import TextStore
from copytrace.fingerprint.embed import DIM, deep_semantic, resolve_device
from copytrace.fingerprint.keys import Fingerprints, KeyIndex
from copytrace.index.deep import deep_pairs
from copytrace.index.snapshot import Lookup, Snapshot, latest_pairs, manifest_version, neighbourhood
from copytrace.segments import (
    MANIFEST, Manifest, NotAnIndex, Segment, line_index, remove_strays, write_segment, writer_lock,
)
from copytrace.origin import likely_source
from copytrace.text.tokens import is_member, per_document_counts, shingle_hashes, tokenize

__all__ = ["AddResult", "Index", "NotAnIndex"]

#: manifests a reader tries before giving up: each failure means a merge replaced the segments it had just read of
_SNAPSHOT_TRIES = 5


@dataclass
class AddResult:
    added: int
    skipped: list[Skip]
    pairs: int  # related pairs the add found
    found: ScanResult | None = None  # with `drop`: what was shown to it
    already_held: list[str] = field(default_factory=list)  # ids skipped because the index held them
    found_pairs: list[Pair] = field(default_factory=list)  # the related pairs involving a new document (unsettled)


@dataclass
class _Related:
    """What relating a batch to the index found: pairs numbered as `everything` numbers documents (the indexed
    neighbours, then the batch, from `first`), the pair keys only the quotation index nominated, the batch's
    fingerprints (numbered from 0), the corpus's furniture shingles and lines, and the stored pairs checked again."""

    found: list[tuple[int, int, Pair]]
    quoted: np.ndarray
    new: Fingerprints
    everything: list[DocumentRecord]
    first: int
    furniture: np.ndarray
    repeated: frozenset[int]
    rechecked: list[tuple[str, str]]
    leads: np.ndarray | None  # the batch's lead vectors, in an index of several languages
    sentences: KeptSentences | None = None  # the batch's usable sentences, in deep semantic mode


class _SegmentTexts:
    """A segment's texts by row."""

    def __init__(self, segment: Segment) -> None:
        self.segment = segment

    def get_many(self, indices: Iterable[int]) -> list[str]:
        return [self.segment.texts.get(int(i)) for i in indices]


class _Near:
    """The texts of an index's documents near a batch (numbered 0.. as `old` lists them), then the batch's."""

    def __init__(self, snapshot: Snapshot, old: np.ndarray, new: TextStore) -> None:
        self.snapshot, self.old, self.new, self.first = snapshot, old, new, len(old)

    def get_many(self, indices: Iterable[int]) -> list[str]:
        indices = [int(i) for i in indices]
        old = iter(self.snapshot.get_many(self.old[[i for i in indices if i < self.first]]))
        new = iter(self.new.get_many([i - self.first for i in indices if i >= self.first]))
        return [next(new) if i >= self.first else next(old) for i in indices]


class Index:
    """An index folder. Every call reads the manifest it finds (a snapshot, kept while no writer changes it);
    writes hold the folder's lock."""

    def __init__(self, path: str | Path, config: ScanConfig | None = None) -> None:
        self.path = Path(path)
        self.config = config or ScanConfig()
        self._opened: dict[str, Segment] = {}  # segments stay open between calls (they never change)
        self._current: Snapshot | None = None
        self._seen: tuple[tuple[int, int, int], Snapshot] | None = None  # the manifest file's stat, its snapshot
        self._by_document: tuple[tuple, dict[str, list[Pair]]] | None = None  # copies(): a snapshot's pairs by id
        self._embedded: dict[str, KeptSentences] = {}  # deep queries: sentences of segments that keep none, by name

    # ---- opening ----------------------------------------------------------------------------------------------

    def _manifest(self, create: bool = False) -> Manifest:
        if create and not (self.path / "manifest.json").exists():
            if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
                raise NotAnIndex(f"{self.path}: not a copytrace index, and not an empty folder to make one in")
            self.path.mkdir(parents=True, exist_ok=True)
            Manifest(0, tuple(self.config.layers)).write(self.path)
        return Manifest.read(self.path)

    def _snapshot(self, manifest: Manifest | None = None) -> Snapshot:
        """The live documents of the manifest found now (or given, under the writer's lock). A merge may remove the
        segments a manifest names between reading it and opening them: then the newer manifest is read instead.
        A manifest file not replaced since the last call (same inode, time and size: a commit replaces it whole) is
        not read again."""
        stamp = None
        if manifest is None:
            try:
                stat = os.stat(self.path / MANIFEST)
                stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:
                pass
            seen = self._seen
            if stamp is not None and seen is not None and seen[0] == stamp:
                return seen[1]
        for attempt in range(_SNAPSHOT_TRIES):
            found = manifest or self._manifest()
            current = self._current
            if current is not None and current.version == manifest_version(found):
                if stamp is not None and attempt == 0:
                    self._seen = (stamp, current)
                return current
            live = {s["name"] for s in found.segments}
            for name in [name for name in self._opened if name not in live]:
                self._opened.pop(name, None)  # a snapshot still reading it keeps it open until it is collected
            for name in [name for name in self._embedded if name not in live]:
                self._embedded.pop(name)
            try:
                self._current = Snapshot(self.path, found, self._opened)
                if stamp is not None and attempt == 0:
                    self._seen = (stamp, self._current)
                return self._current
            except FileNotFoundError:
                if manifest is not None or attempt == _SNAPSHOT_TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    # ---- reading ----------------------------------------------------------------------------------------------

    def stats(self) -> dict:
        manifest = self._manifest()
        size = sum(_folder_bytes(self.path / s["name"]) for s in manifest.segments)
        deleted = sum(len(rows) for rows in manifest.deleted.values())
        return {"documents": sum(s["documents"] for s in manifest.segments) - deleted, "deleted": deleted,
                "segments": len(manifest.segments), "bytes": size, "layers": list(manifest.layers),
                "generation": manifest.generation}

    def pairs(self) -> ScanResult:
        """Every related pair among the live documents, settled as a scan settles them: documents, pairs and
        clusters exactly as `scan` writes them."""
        snapshot = self._snapshot()
        records = [replace(r) for r in snapshot.records]
        number = {r.id: k for k, r in enumerate(records)}
        found = [(number[p.a], number[p.b], p) for p in snapshot.pairs()]
        return ScanResult(records, *settle(records, found, self._config(snapshot.manifest)), [])

    def copies(self, doc_id: str) -> list[Pair] | None:
        """The related pairs of one indexed document, each exactly as pairs() settles it, `a` the document; None
        where the index holds no such document. Settled over the document's pairs and its partners' (all a pair's
        settling reads: translations competing for one side, and whether the partners copy one another), not over
        the whole index."""
        snapshot = self._snapshot()
        if doc_id not in snapshot.locate([doc_id]):
            return None
        by_document = self._pairs_by_document(snapshot)
        own = by_document.get(doc_id, [])
        near = {d for p in own for d in (p.a, p.b)}
        subset = list({(p.a, p.b): p for d in near for p in by_document.get(d, [])}.values())
        numbers = snapshot.locate({d for p in subset for d in (p.a, p.b)})
        records = snapshot.records_of(sorted(numbers.values()))
        number = {r.id: k for k, r in enumerate(records)}
        pairs, _ = settle(records, [(number[p.a], number[p.b], replace(p)) for p in subset],
                          self._config(snapshot.manifest))
        return [p if p.a == doc_id else p.swapped() for p in pairs if doc_id in (p.a, p.b)]

    def _pairs_by_document(self, snapshot: Snapshot) -> dict[str, list[Pair]]:
        """The snapshot's stored pairs by document (each pair under both its documents), kept until the next commit."""
        kept = self._by_document
        if kept is not None and kept[0] == snapshot.version:
            return kept[1]
        by_document: dict[str, list[Pair]] = {}
        for pair in snapshot.pairs():
            by_document.setdefault(pair.a, []).append(pair)
            by_document.setdefault(pair.b, []).append(pair)
        self._by_document = (snapshot.version, by_document)
        return by_document

    def document(self, doc_id: str) -> Document | None:
        """An indexed document (its original text, date and path), or None when the index holds no such id."""
        found = self.documents({doc_id})
        return found[0] if found else None

    def documents(self, ids: Iterable[str]) -> list[Document]:
        """The indexed documents among these ids (original texts, dates, paths), in the index's order."""
        snapshot = self._snapshot()
        numbers = sorted(snapshot.locate(ids).values())
        return [Document(r.id, text, r.path, r.date)
                for r, text in zip(snapshot.records_of(numbers), snapshot.get_many(numbers))]

    def query(self, items: Iterable[Document | Skip]) -> tuple[list[Pair], list[Skip]]:
        """Copies of the given documents among the indexed ones, without adding them: pairs with `a` the query
        document and `b` the indexed one."""
        snapshot = self._snapshot()
        config = self._config(snapshot.manifest)
        progress = Progress(config.progress)
        store = TextStore(config.temp_dir)
        try:
            records, skips, line_keys = read_documents(items, store, progress, config)
            if not records:
                return [], skips
            related = self._relate(snapshot, store, records, line_keys, config, progress, old_only=True)
        finally:
            store.close()
            self._release_pages_over_budget()
        # each pair is (indexed document, query document), the query numbered after the index: turn it round
        pairs = [pair.swapped() for _, _, pair in related.found]
        by_id = {r.id: r for r in related.everything}
        for pair in pairs:
            pair.source = likely_source(pair, by_id[pair.a].evidence, by_id[pair.b].evidence, config.thresholds.classify)
        return sorted(pairs, key=lambda p: (p.a, -p.score, p.b)), skips

    # ---- writing ----------------------------------------------------------------------------------------------

    def add(
        self, items: Iterable[Document | Skip], replace_ids: bool = False,
        drop: Callable[[ScanResult, frozenset[str]], Iterable[str]] | None = None, commit: bool = True,
    ) -> AddResult:
        """Add documents: one new segment, committed whole or not at all. An id already in the index is a skip
        unless replace_ids, which removes the old document first. `drop` (for dedup) is shown what the add found
        (the indexed and new documents that take part, every pair involving a new one, settled) and the ids the
        index already held among them, and names new documents to keep out: they are committed removed. Without
        commit, nothing is written (the index must exist)."""
        self._manifest(create=commit)
        with writer_lock(self.path):
            manifest = Manifest.read(self.path)
            remove_strays(self.path, manifest)
            snapshot = self._snapshot(manifest)
            if replace_ids:
                items = list(items)
                replaced = set(snapshot.locate(d.id for d in items if isinstance(d, Document)))
                if replaced:
                    self._mark_deleted(manifest, replaced)
                    manifest = Manifest.read(self.path)
                    snapshot = self._snapshot(manifest)
            already: list[str] = []
            try:
                result = self._add(manifest, snapshot, _not_held(items, snapshot, already), drop, commit)
            finally:
                self._release_pages_over_budget()
            result.already_held = already
        return result

    def _release_pages_over_budget(self) -> None:
        """Past EngineConfig.index_mapped_mb of file pages mapped by this process, let go of the open segments'
        (Segment.release_pages): a long-lived reader's resident memory stays bounded whatever the index's size."""
        budget = self.config.sizes.index_mapped_mb
        if budget and _file_pages_mapped() > budget * 2**20:
            for segment in list(self._opened.values()):
                segment.release_pages()

    def _add(self, manifest: Manifest, snapshot: Snapshot, items: Iterable[Document | Skip],
             drop: Callable[[ScanResult, frozenset[str]], Iterable[str]] | None, commit: bool) -> AddResult:
        config = self._config(manifest)
        progress = Progress(config.progress)
        store = TextStore(config.temp_dir)
        dropped: list[int] = []
        result = None
        try:
            records, skips, line_keys = read_documents(items, store, progress, config)
            if not records:
                return AddResult(0, skips, 0)
            related = self._relate(snapshot, store, records, line_keys, config, progress, old_only=False)
            found, everything, first = related.found, related.everything, related.first
            still = {frozenset((p.a, p.b)) for _, _, p in found}
            ended = [(a, b) for a, b in related.rechecked if frozenset((a, b)) not in still]
            if drop is not None:
                result = ScanResult(everything, *settle(everything, found, config), skips)
                gone = set(drop(result, frozenset(r.id for r in everything[:first])))
                dropped = [k for k, r in enumerate(records) if r.id in gone]
            if not commit:
                return AddResult(0, skips, len(found), result)
            name = f"seg-{manifest.generation + 1:06d}"
            quotes_only = frozenset(frozenset((everything[i].id, everything[j].id))
                                    for i, j in unpack_pair_keys(related.quoted).tolist())
            texts = store.get_many(range(len(records)))
            write_segment(self.path, name, records, texts, line_index(texts, config.thresholds.clean), related.new,
                          [pair for _, _, pair in found], ended, related.furniture, quotes_only, related.repeated,
                          config.thresholds.candidates, related.leads, related.sentences)
        finally:
            store.close()
        manifest.generation += 1
        manifest.layers = manifest.layers or tuple(config.layers)
        manifest.segments.append({"name": name, "documents": len(records)})
        if dropped:
            manifest.deleted[name] = dropped
        manifest.write(self.path)
        start = merge_start([s["documents"] for s in manifest.segments], config.sizes)
        if start is not None:
            self._merge(manifest, start)
        new_pairs = [pair for i, j, pair in found if max(i, j) >= first]  # (not the older pairs checked again)
        return AddResult(len(records) - len(dropped), skips, len(new_pairs), result, found_pairs=new_pairs)

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove documents for good (tombstones until the next merge); their pairs go with them. Returns the ids
        that were not in the index."""
        ids = set(ids)
        with writer_lock(self.path):
            manifest = self._manifest()
            return sorted(ids - self._mark_deleted(manifest, ids))

    def merge(self) -> None:
        """Write the live documents of every segment into one segment (tombstoned rows purged)."""
        with writer_lock(self.path):
            manifest = self._manifest()
            remove_strays(self.path, manifest)
            self._merge(manifest)

    # ---- inside -----------------------------------------------------------------------------------------------

    def _config(self, manifest: Manifest) -> ScanConfig:
        """The index's layers are those it was made with: a query or add cannot ask for more."""
        return replace(self.config, layers=manifest.layers or self.config.layers)

    def _mark_deleted(self, manifest: Manifest, ids: set[str]) -> set[str]:
        found: set[str] = set()
        ids_list = sorted(ids)
        for s in manifest.segments:
            segment = self._opened.get(s["name"]) or Segment.open(self.path / s["name"])
            gone = set(manifest.deleted.get(segment.name, []))
            rows = [(doc_id, row) for doc_id, row in zip(ids_list, segment.rows_of(ids_list))
                    if row is not None and row not in gone]
            if rows:
                manifest.deleted[segment.name] = sorted(gone | {row for _, row in rows})
                found.update(doc_id for doc_id, _ in rows)
        if found:
            manifest.generation += 1
            manifest.write(self.path)
        return found

    def _relate(
        self, snapshot: Snapshot, store: TextStore, records: list[DocumentRecord], line_keys: np.ndarray,
        config: ScanConfig, progress: Progress, old_only: bool,
    ) -> _Related:
        """The new documents fingerprinted with the index's furniture lines, and aligned with every candidate that
        involves one of them (with old_only, only candidates in the index: a query, which finds no furniture and
        checks no stored pair again). An add also finds the furniture the new documents bring, and checks again
        the stored pairs whose documents hold furniture found since they were (a shingle or line that more
        documents now hold), for which the index's answer would have changed."""
        reuse_freed_memory()
        thresholds = config.thresholds
        repeated = _repeated(snapshot, line_keys, thresholds)
        # an add aligns its batch with neighbours from the whole index: a pool pays for itself as it would for a scan
        # of the index; a query's few texts are aligned here
        work = len(records) + (0 if old_only else len(snapshot))
        executor = make_executor(config.engine, config.workers, work, config.sizes, config.scheduler)
        try:
            new = fingerprint_texts(executor, store, records, 0, repeated, config, progress)
            stored = snapshot.furniture()
            furniture, stale = stored, []
            shingles = snapshot.lookup("shingles", unique_values(np.asarray(new.shingles.key)))
            if not old_only:
                furniture = self._furniture(snapshot, new, store, repeated, thresholds, shingles)
                stale = self._stale_pairs(snapshot, furniture[~is_member(furniture, stored)],
                                          repeated - set(snapshot.repeated().tolist()), config)
            located = snapshot.locate(d for p, _ in stale for d in (p.a, p.b))
            if not snapshot.banding_matches(thresholds.candidates):
                raise NotAnIndex(f"{self.path}: made with another MinHash banding than these thresholds ask for")
            population = Population.of(snapshot.languages() + Counter(r.lang for r in records))
            multilingual = "semantic" in config.layers and population.languages > 1
            deep, sentences, by_meaning = None, None, np.zeros(0, np.int64)
            if deep_semantic(config):  # the indexed documents the batch copies on meaning alone join the neighbours
                batch, sentences, by_meaning = self._by_meaning(snapshot, store, records, new.langs, executor,
                                                                repeated, furniture, config, progress, old_only)
            ends = unpack_pair_keys(by_meaning)
            hood = neighbourhood(snapshot, new, thresholds.candidates, multilingual,
                                 [*located.values(), *ends[ends < len(snapshot)].tolist()], shingles,
                                 population.documents)
            first = len(hood.old)
            if sentences is not None:  # renumbered as `everything` numbers documents
                local = np.where(ends < len(snapshot), hood.local(ends), ends - len(snapshot) + first)
                empty = np.zeros(0, np.int64)
                deep = (Nomination(unique_values(pair_keys(local[:, 0], local[:, 1])), empty, empty, empty),
                        batch.by_key())
            fp = hood.without_common(new.shifted(first))
            if first:
                near = Fingerprints(doc_index=np.arange(first, dtype=np.int32),
                                    **snapshot.per_document(hood.old), **hood.indexes)
                fp = Fingerprints.concatenate([near, fp])
            sort_indexes(fp, config.workers)
            everything = snapshot.records_of(hood.old) + records
            recheck = None
            if stale:
                local = dict(zip(located, hood.local(np.array(list(located.values()), np.int64)).tolist()))
                keys = pair_keys(np.array([local[p.a] for p, _ in stale], np.int64),
                                 np.array([local[p.b] for p, _ in stale], np.int64))
                empty = np.empty(0, np.int64)
                recheck = Nomination(unique_values(keys), unique_values(keys[[q for _, q in stale]]), empty, empty)
            leads, new_leads = None, None
            if multilingual:
                leads, new_leads = self._leads(snapshot, hood.old, store, records, executor, config, progress,
                                               keep=not old_only)
            found, quoted = relate_documents(executor, _Near(snapshot, hood.old, store), everything, fp, repeated,
                                             config, progress, new_from=first, old_partners_only=old_only,
                                             furniture=furniture, recheck=recheck, population=population,
                                             leads=leads, deep=deep)
        finally:
            executor.close()
        return _Related(found, quoted, new, everything, first, furniture, repeated,
                        [(p.a, p.b) for p, _ in stale], new_leads, sentences)

    def _leads(
        self, snapshot: Snapshot, old: np.ndarray, store: TextStore, records: list[DocumentRecord],
        executor: Executor, config: ScanConfig, progress: Progress, keep: bool,
    ) -> tuple[dict[int, np.ndarray], np.ndarray]:
        """The lead vectors of the neighbourhood (numbered 0.. as `old` lists it) and of the batch (after it), and
        the batch's as rows to store. An index of several languages keeps every document's lead vector: an add
        (`keep`) gives segments without them theirs, once; a query embeds those it needs from such segments."""
        first = len(old)
        batch = lead_vectors(executor, store, np.flatnonzero([bool(r.lang) for r in records]), config, progress)
        rows = np.zeros((len(records), DIM), np.float32)
        for i, vector in batch.items():
            rows[i] = vector
        known = {first + i: vector for i, vector in batch.items()}
        k, where = snapshot.where(old)
        for s in np.unique(k).tolist():
            segment, at = snapshot.segments[s], np.flatnonzero(k == s)
            stored = segment.leads()
            if stored is None and keep:
                stored = self._segment_leads(segment, executor, config, progress)
            if stored is None:
                texts = _SegmentTexts(segment)
                rows_needed = np.array([r for r in where[at].tolist() if segment.langs()[r]], np.int64)
                vectors = lead_vectors(executor, texts, rows_needed, config, progress)
                known.update((int(i), vectors[r]) for i, r in zip(at.tolist(), where[at].tolist()) if r in vectors)
                continue
            known.update((int(i), np.asarray(stored[r])) for i, r in zip(at.tolist(), where[at].tolist())
                         if segment.langs()[r])
        return known, rows

    def _segment_leads(self, segment: Segment, executor: Executor, config: ScanConfig,
                       progress: Progress) -> np.ndarray:
        """A segment's lead vectors, embedded and added to it."""
        langs = segment.langs()
        mine = np.array([r for r in range(len(segment)) if langs[r]], np.int64)
        rows = np.zeros((len(segment), DIM), np.float32)
        for r, vector in lead_vectors(executor, _SegmentTexts(segment), mine, config, progress).items():
            rows[r] = vector
        segment.add_leads(rows)
        return rows

    def _by_meaning(
        self, snapshot: Snapshot, store: TextStore, records: list[DocumentRecord], langs: list[str | None],
        executor: Executor, repeated: frozenset[int], furniture: np.ndarray, config: ScanConfig, progress: Progress,
        old_only: bool,
    ) -> tuple[DocumentSentences, KeptSentences, np.ndarray]:
        """Deep semantic mode: every sentence of the batch embedded, its usable ones (to keep), and the pairs
        (index.deep.deep_pairs: global numbers, the batch after the index) nominated on them and on the sentences
        every segment keeps."""
        candidates = config.thresholds.candidates
        batch = embed_sentences(executor, store, [r.id for r in records], langs, np.arange(len(records)), repeated,
                                furniture, config, progress)
        usable = batch.kept(candidates)
        kept = [self._segment_sentences(segment, executor, repeated, furniture, config, progress, keep=not old_only)
                for segment in snapshot.segments]
        return batch, usable, deep_pairs(snapshot, kept, usable, len(records), old_only, candidates, config.sizes,
                                         resolve_device(config.device))

    def _segment_sentences(self, segment: Segment, executor: Executor, repeated: frozenset[int],
                           furniture: np.ndarray, config: ScanConfig, progress: Progress, keep: bool) -> KeptSentences:
        """A segment's kept sentences; where it has none (made without deep mode), embedded now (cut with the
        corpus's furniture of now): with `keep` (an add) added to it, once; else (a query, which writes nothing) kept
        in memory for this Index's later queries, and said on stderr."""
        stored = segment.sentences()
        if stored is not None:
            return stored
        sentences = self._embedded.get(segment.name)
        if sentences is None:
            if not keep:
                print(f"copytrace: {self.path / segment.name} keeps no sentence vectors (made without deep semantic "
                      f"mode): its {len(segment)} documents are embedded for this query; an add in deep mode keeps "
                      "them", file=sys.stderr)
            records = segment.records
            found = embed_sentences(executor, _SegmentTexts(segment), [r.id for r in records], segment.langs(),
                                    np.arange(len(segment)), repeated, furniture, config, progress)
            sentences = found.kept(config.thresholds.candidates)
        if keep:
            segment.add_sentences(sentences)
            self._embedded.pop(segment.name, None)
        else:
            self._embedded[segment.name] = sentences
        return sentences

    def _furniture(self, snapshot: Snapshot, new: Fingerprints, store: TextStore, repeated: frozenset[int],
                   thresholds: Thresholds, shingles: Lookup) -> np.ndarray:
        """The corpus's furniture shingles after this add: those found before, and those among the new documents'
        shingles that the new documents make common enough (candidates.furniture: held by enough documents
        whose first holders, in the index's order, are unalike), completed from their holders' texts."""
        config = thresholds.candidates
        stored, n_old = snapshot.furniture(), len(snapshot)
        pairs = 2 * config.furniture_holder_pairs
        keys, more = np.unique(np.asarray(new.shingles.key), return_counts=True)
        old, counts = snapshot.holders("shingles", keys, first=pairs, looked=shingles)
        common = (counts + more >= furniture_threshold(n_old + len(new), config)) & ~is_member(keys, stored)
        if not common.any():
            return stored
        keys = keys[common]
        mine = is_member(np.asarray(new.shingles.key), keys)
        key = np.concatenate([old.key[is_member(old.key, keys)], np.asarray(new.shingles.key)[mine]])
        doc = np.concatenate([old.doc[is_member(old.key, keys)], np.asarray(new.shingles.doc)[mine] + n_old])
        order = np.lexsort((doc, key))
        key, doc = key[order], doc[order]
        holders = doc[np.searchsorted(key, keys)[:, None] + np.arange(pairs)]

        def signatures_of(docs: np.ndarray) -> np.ndarray:
            older = docs[docs < n_old]
            sig = snapshot.per_document(older, ["signatures"])["signatures"] if len(older) else None
            out = np.empty((len(docs), new.signatures.shape[1]), new.signatures.dtype)
            out[docs < n_old] = sig if sig is not None else out[:0]
            out[docs >= n_old] = new.signatures[docs[docs >= n_old] - n_old]
            return out

        def texts_of(docs: list[int]) -> list[str]:
            return _Near(snapshot, np.arange(n_old), store).get_many(docs)

        found, holders = judge_furniture(keys, holders, signatures_of, config)
        return unique_values(np.concatenate([stored, completed_furniture(found, holders, texts_of, repeated,
                                                                         thresholds)]))

    def _stale_pairs(self, snapshot: Snapshot, fresh: np.ndarray, fresh_lines: frozenset[int] | set[int],
                     config: ScanConfig) -> list[tuple[Pair, bool]]:
        """The stored pairs whose documents hold furniture that the index did not know when they were found: a
        shingle that is furniture now and was not at the last add, or a line that now repeats across enough
        documents (with whether only the quotation index nominated each: it is aligned again as it was first)."""
        if not len(snapshot) or (not len(fresh) and not fresh_lines):
            return []
        noted = list(snapshot.pairs_noting_quotes())
        stale: dict[frozenset, tuple[Pair, bool]] = {}
        if len(fresh):  # the pairs whose passages hold a shingle that is furniture now
            holding = unique_values(snapshot.holders("shingles", unique_values(fresh))[0].doc)
            affected = {r.id for r in snapshot.records_of(holding.tolist())}
            near = [(p, quoted) for p, quoted in noted if p.a in affected or p.b in affected]
            for (p, quoted), held in zip(near, _passages_hold(snapshot, [p for p, _ in near], fresh, config)):
                if held:
                    stale[frozenset((p.a, p.b))] = (p, quoted)
        if fresh_lines:  # the pairs of documents holding a line that repeats enough now
            holding = unique_values(snapshot.holders("probe.lines", np.sort(np.fromiter(fresh_lines, np.uint64)))[0].doc)
            lined = {r.id for r in snapshot.records_of(holding.tolist())}
            stale.update((frozenset((p.a, p.b)), (p, quoted)) for p, quoted in noted if p.a in lined or p.b in lined)
        return [(p, quoted) for p, quoted in noted if frozenset((p.a, p.b)) in stale]

    def _merge(self, manifest: Manifest, start: int = 0) -> None:
        """Merge the segments from `start` on into one: all of them, with removed documents purged; or the newest
        ones (start > 0), their removed rows kept as removed (a pair in an older segment may name one)."""
        if start > 0:
            return self._merge_newest(manifest, start)
        snapshot = self._snapshot(manifest)
        fp = snapshot.fingerprints()
        if fp is None:
            return
        texts = [s.texts.raw(r) for s, rows in zip(snapshot.segments, snapshot.rows) for r in rows.tolist()]
        lines = line_index(snapshot.get_many(range(len(snapshot))), self.config.thresholds.clean)
        name = f"seg-{manifest.generation + 1:06d}"
        noted = list(snapshot.pairs_noting_quotes())
        write_segment(self.path, name, snapshot.records, texts, lines, fp, [p for p, _ in noted],
                      furniture=snapshot.furniture(),
                      quotes_only=frozenset(frozenset((p.a, p.b)) for p, quoted in noted if quoted),
                      repeated=snapshot.repeated().tolist(), candidates=self.config.thresholds.candidates,
                      leads=_merged_leads(snapshot), sentences=_merged_sentences(snapshot))
        old = [s["name"] for s in manifest.segments]
        manifest.generation += 1
        manifest.segments = [{"name": name, "documents": len(snapshot)}]
        manifest.deleted = {}
        manifest.write(self.path)
        for segment in old:  # a reader that opened them keeps its open files and mappings
            shutil.rmtree(self.path / segment, ignore_errors=True)

    def _merge_newest(self, manifest: Manifest, start: int) -> None:
        segments = self._snapshot(manifest).segments[start:]
        firsts = np.cumsum([0] + [len(s) for s in segments])
        records = [r for s in segments for r in s.records]
        texts = [s.texts.raw(r) for s in segments for r in range(len(s))]
        # each document's short-line keys as its segment keeps them (probe.lines), renumbered: not read again
        lines = KeyIndex.concatenate([KeyIndex(np.asarray(index.key), (np.asarray(index.doc) + first).astype(np.int32))
                                      for s, first in zip(segments, firsts.tolist())
                                      for index in [s.index("probe.lines")]])
        fp = Fingerprints.concatenate([s.fingerprints().shifted(int(first)) for s, first in zip(segments, firsts)])
        latest = latest_pairs(segments)
        stored = [segment.leads() for segment in segments]
        leads = None if any(v is None for v in stored) else np.concatenate([np.asarray(v) for v in stored])
        kept = [segment.sentences() for segment in segments]
        sentences = None if any(v is None for v in kept) else KeptSentences.concatenate(kept, firsts[:-1].tolist())
        name = f"seg-{manifest.generation + 1:06d}"
        write_segment(self.path, name, records, texts, lines, fp,
                      [pair for _, _, pair, _ in latest.values() if pair is not None],
                      ended=[(a, b) for a, b, pair, _ in latest.values() if pair is None],
                      furniture=np.asarray(segments[-1].furniture()),
                      quotes_only=frozenset(key for key, (_, _, pair, quoted) in latest.items() if quoted and pair),
                      repeated=np.asarray(segments[-1].repeated()).tolist(),
                      candidates=self.config.thresholds.candidates, leads=leads, sentences=sentences)
        removed = [int(first) + row for s, first in zip(segments, firsts) for row in manifest.deleted.get(s.name, [])]
        old = [s.name for s in segments]
        manifest.generation += 1
        manifest.segments = manifest.segments[:start] + [{"name": name, "documents": int(firsts[-1])}]
        manifest.deleted = {k: v for k, v in manifest.deleted.items() if k not in old}
        if removed:
            manifest.deleted[name] = sorted(removed)
        manifest.write(self.path)
        for segment in old:
            shutil.rmtree(self.path / segment, ignore_errors=True)


def merge_start(sizes: list[int], config: EngineConfig) -> int | None:
    """Where the segments an add merges begin (their sizes in documents, oldest first), or None. The newest
    small_segments small ones, when there are that many (a service's small adds: each segment costs every query a
    lookup). When the add leaves more than max_segments: the newest two, and each older one no larger than those
    after it together (tiers, as Lucene's merge policy keeps them): small adds are merged among themselves, and a
    large segment is rewritten only once as much has been added after it. Each merge costs about what was added
    since the last one of its tier."""
    small = 0
    while small < len(sizes) and sizes[-1 - small] < config.small_segment_documents:
        small += 1
    if small >= max(2, config.small_segments):
        return len(sizes) - small
    if len(sizes) <= config.max_segments:
        return None
    start, total = len(sizes) - 2, sizes[-1] + sizes[-2]
    while start > 0 and sizes[start - 1] <= total:
        start -= 1
        total += sizes[start]
    return start


def _passages_hold(snapshot: Snapshot, pairs: list[Pair], shingles: np.ndarray, config: ScanConfig) -> list[bool]:
    """Whether each pair's passages (either side's, in its original text) hold any of these word shingles: a pair
    whose reported passages do not hold a shingle found to be furniture was not found on it. A pair without
    passages is taken to hold them."""
    ids = sorted({d for p in pairs for d in (p.a, p.b)})
    numbers = snapshot.locate(ids)
    ids = [i for i in ids if i in numbers]
    texts = dict(zip(ids, snapshot.get_many(numbers[i] for i in ids)))
    spans, owner = [], []
    for k, pair in enumerate(pairs):
        for passage in pair.passages:
            for doc_id, (start, end) in ((pair.a, passage.a), (pair.b, passage.b)):
                if doc_id in texts:
                    spans.append(texts[doc_id][start:end])
                    owner.append(k)
    held = [not pair.passages for pair in pairs]
    if spans:
        tokens = tokenize(spans)
        hashes, offsets = shingle_hashes(tokens.hashes, tokens.doc_offsets, config.thresholds.fingerprint.shingle_words)
        hit = per_document_counts(is_member(hashes, shingles), offsets) > 0
        for k, found in zip(owner, hit.tolist()):
            held[k] = held[k] or found
    return held


def _merged_leads(snapshot: Snapshot) -> np.ndarray | None:
    """The live documents' lead vectors, where every segment has them."""
    stored = [segment.leads() for segment in snapshot.segments]
    if any(leads is None for leads in stored):
        return None
    return np.concatenate([np.zeros((0, DIM), np.float32)] +
                          [np.asarray(leads)[rows] for leads, rows in zip(stored, snapshot.rows)])


def _merged_sentences(snapshot: Snapshot) -> KeptSentences | None:
    """The live documents' kept sentences, renumbered as the snapshot numbers its documents, where every segment
    has them."""
    stored = [segment.sentences() for segment in snapshot.segments]
    if any(kept is None for kept in stored):
        return None
    live = []
    for kept, numbers in zip(stored, snapshot.numbers):
        doc = numbers[np.asarray(kept.doc)]
        rows = np.flatnonzero(doc >= 0)
        live.append(replace(kept.select(rows), doc=doc[rows].astype(np.int32)))
    return KeptSentences.concatenate(live, [0] * len(live))


def _repeated(snapshot: Snapshot, line_keys: np.ndarray, thresholds: Thresholds) -> frozenset[int]:
    """The corpus's furniture lines with a batch's (clean.repeated_lines): those known, and the batch's short lines
    that the indexed documents and the batch together hold often enough."""
    keys, more = np.unique(line_keys, return_counts=True)
    counts = snapshot.line_counts(keys) + more
    newly = keys[counts >= thresholds.clean.repeated_line_min_docs]
    return frozenset(snapshot.repeated().tolist()) | frozenset(newly.tolist())


def _file_pages_mapped() -> int:
    """Bytes of files this process has mapped and resident (its shared pages, /proc/self/statm); 0 where unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[2]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _folder_bytes(folder: Path) -> int:
    """The bytes of a segment's files; 0 for one a merge has just removed (a reader never fails on a writer's
    work: the folder's other entries may be a writer's temporary ones, which are not counted)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    continue
    except FileNotFoundError:
        return 0
    return total


def _not_held(items: Iterable[Document | Skip], snapshot: Snapshot, already: list[str],
              chunk: int = 1000) -> Iterator[Document | Skip]:
    """The items, a document whose id the index holds turned into a skip (its id noted in `already`); ids are
    looked up a chunk at a time."""
    items = iter(items)
    while batch := list(islice(items, chunk)):
        held = snapshot.locate(d.id for d in batch if isinstance(d, Document))
        for item in batch:
            if isinstance(item, Document) and item.id in held:
                already.append(item.id)
                yield Skip(item.path or item.id, "already in the index (add with --replace to replace it)", item.id)
            else:
                yield item
