"""`Index`: a corpus copytrace remembers. Add documents day by day, ask which indexed documents a new text copies,
remove documents for good, and write every related pair, exactly as `scan` does.

An add fingerprints only the new documents, with the furniture lines counted over the whole index, and aligns only
the candidate pairs that involve a new document; the pairs it finds are stored with its segment. `pairs` gathers
the stored pairs of the live documents and settles them corpus-wide (competing translations, likely originals,
families). Corpus-wide statistics are those of the index when each pair was found: a line that becomes furniture
after later adds is furniture for the pairs found from then on.
"""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from copytrace.candidates.furniture import corpus_furniture
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.candidates.nominate import Nomination
from copytrace.clean import batch_line_keys, repeated_lines, short_line_keys
from copytrace.config import ScanConfig
from copytrace.document import Document, DocumentRecord, Pair, ScanResult, Skip
from copytrace.engine.executors import make_executor
from copytrace.engine.local import Progress, fingerprint_texts, read_documents, relate_documents, settle
from copytrace.engine.memory import reuse_freed_memory
from copytrace.engine.store import TextStore
from copytrace.fingerprint.keys import INDEXES, Fingerprints, KeyIndex
from copytrace.index.store import (
    Manifest, NotAnIndex, Segment, remove_strays, write_segment, writer_lock,
)
from copytrace.origin import likely_source
from copytrace.text.tokens import is_member

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


class _Snapshot:
    """The live documents of the segments one manifest names, numbered in the order of their adds (removed ones
    left out): their records, texts and fingerprints."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        self.manifest = manifest
        self.segments: list[Segment] = []
        try:
            for s in manifest.segments:
                self.segments.append(Segment.open(folder / s["name"]))
        except FileNotFoundError:  # a merge removed them: the caller reads the newer manifest
            self.close()
            raise
        self.live: list[np.ndarray] = []
        for segment in self.segments:
            keep = np.ones(len(segment), bool)
            keep[manifest.deleted.get(segment.name, [])] = False
            self.live.append(keep)
        self.rows = [np.flatnonzero(keep) for keep in self.live]  # global number -> (segment, row)
        self.starts = np.cumsum([0] + [len(r) for r in self.rows])
        self.records = [s.records[r] for s, rows in zip(self.segments, self.rows) for r in rows.tolist()]

    def __len__(self) -> int:
        return int(self.starts[-1])

    def ids(self) -> set[str]:
        return {r.id for r in self.records}

    def get_many(self, indices: Iterable[int]) -> list[str]:
        out = []
        for i in indices:
            k = int(np.searchsorted(self.starts, i, side="right")) - 1
            out.append(self.segments[k].texts.get(int(self.rows[k][i - self.starts[k]])))
        return out

    def line_keys(self) -> np.ndarray:
        return np.concatenate([np.zeros(0, np.uint64)] + [np.asarray(s.line_keys()) for s in self.segments])

    def fingerprints(self) -> Fingerprints | None:
        """The live documents' fingerprints, renumbered from 0 in this snapshot's order (indexes unsorted)."""
        parts = []
        for segment, keep, start in zip(self.segments, self.live, self.starts[:-1].tolist()):
            fp = segment.fingerprints()
            number = (np.cumsum(keep) - 1 + start).astype(np.int32)
            per_doc = {name: np.asarray(value)[keep] for name, value in vars(fp).items()
                       if name != "langs" and name not in INDEXES}
            per_doc["doc_index"] = number[keep]
            indexes = {}
            for name, index in fp.indexes().items():
                rows = keep[np.asarray(index.doc)]
                doc = number[np.asarray(index.doc)[rows]]
                indexes[name] = KeyIndex(np.asarray(index.key)[rows], doc,
                                         None if index.pos is None else np.asarray(index.pos)[rows])
            langs = [lang for lang, k in zip(fp.langs, keep.tolist()) if k]
            parts.append(Fingerprints(langs=langs, **per_doc, **indexes))
        return Fingerprints.concatenate(parts) if parts else None

    def pairs(self) -> Iterator[Pair]:
        for pair, _ in self.pairs_noting_quotes():
            yield pair

    def pairs_noting_quotes(self) -> Iterator[tuple[Pair, bool]]:
        """The stored pairs of live documents, each as its latest segment has it (a later add may have checked it
        again, or ended it), with whether only the quotation index nominated it."""
        live = self.ids()
        latest: dict[frozenset, tuple[Pair | None, bool]] = {}
        for segment in self.segments:
            for a, b, pair, quoted in segment.pairs():
                key = frozenset((a, b))
                latest.pop(key, None)  # a replaced pair takes its new place in the order
                latest[key] = (pair, quoted)
        for pair, quoted in latest.values():
            if pair is not None and pair.a in live and pair.b in live:
                yield pair, quoted

    def furniture(self) -> np.ndarray:
        """The furniture shingles the last add worked with."""
        return self.segments[-1].furniture() if self.segments else np.zeros(0, np.uint64)

    def close(self) -> None:
        for segment in self.segments:
            segment.close()


class _Chained:
    """The snapshot's texts, then a new batch's (numbered from the snapshot's length)."""

    def __init__(self, old: _Snapshot, new: TextStore) -> None:
        self.old, self.new, self.first = old, new, len(old)

    def get_many(self, indices: Iterable[int]) -> list[str]:
        indices = [int(i) for i in indices]
        old = iter(self.old.get_many([i for i in indices if i < self.first]))
        new = iter(self.new.get_many([i - self.first for i in indices if i >= self.first]))
        return [next(new) if i >= self.first else next(old) for i in indices]


class Index:
    """An index folder. Every call opens the manifest it finds (a snapshot); writes hold the folder's lock."""

    def __init__(self, path: str | Path, config: ScanConfig | None = None) -> None:
        self.path = Path(path)
        self.config = config or ScanConfig()

    # ---- opening ----------------------------------------------------------------------------------------------

    def _manifest(self, create: bool = False) -> Manifest:
        if create and not (self.path / "manifest.json").exists():
            if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
                raise NotAnIndex(f"{self.path}: not a copytrace index, and not an empty folder to make one in")
            self.path.mkdir(parents=True, exist_ok=True)
            Manifest(0, tuple(self.config.layers)).write(self.path)
        return Manifest.read(self.path)

    def _snapshot(self) -> _Snapshot:
        """The live documents of the manifest found now. A merge may remove the segments a manifest names between
        reading it and opening them: then the newer manifest is read and opened instead."""
        for _ in range(_SNAPSHOT_TRIES - 1):
            try:
                return _Snapshot(self.path, self._manifest())
            except FileNotFoundError:
                continue
        return _Snapshot(self.path, self._manifest())

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
        try:
            records = [replace(r) for r in snapshot.records]
            number = {r.id: k for k, r in enumerate(records)}
            found = [(number[p.a], number[p.b], p) for p in snapshot.pairs()]
        finally:
            snapshot.close()
        return ScanResult(records, *settle(records, found, self._config(snapshot.manifest)), [])

    def document(self, doc_id: str) -> Document | None:
        """An indexed document (its original text, date and path), or None when the index holds no such id."""
        found = self.documents({doc_id})
        return found[0] if found else None

    def documents(self, ids: Iterable[str]) -> list[Document]:
        """The indexed documents among these ids (original texts, dates, paths), in the index's order."""
        wanted = set(ids)
        snapshot = self._snapshot()
        try:
            numbers = [k for k, record in enumerate(snapshot.records) if record.id in wanted]
            return [Document(snapshot.records[k].id, text, snapshot.records[k].path, snapshot.records[k].date)
                    for k, text in zip(numbers, snapshot.get_many(numbers))]
        finally:
            snapshot.close()

    def query(self, items: Iterable[Document | Skip]) -> tuple[list[Pair], list[Skip]]:
        """Copies of the given documents among the indexed ones, without adding them: pairs with `a` the query
        document and `b` the indexed one."""
        snapshot = self._snapshot()
        try:
            found, records, skips = self._relate_new(snapshot, items)
        finally:
            snapshot.close()
        # each pair is (indexed document, query document), the query numbered after the index: turn it round
        pairs = [pair.swapped() for _, _, pair in found]
        by_id = {r.id: r for r in snapshot.records + records}
        config = self._config(snapshot.manifest)
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
        index already held, and names new documents to keep out: they are committed removed. Without commit,
        nothing is written (the index must exist)."""
        self._manifest(create=commit)
        with writer_lock(self.path):
            manifest = Manifest.read(self.path)
            remove_strays(self.path, manifest)
            snapshot = _Snapshot(self.path, manifest)
            try:
                held = snapshot.ids()
                if replace_ids:
                    items = list(items)
                    replaced = {d.id for d in items if isinstance(d, Document) and d.id in held}
                    if replaced:
                        snapshot.close()
                        self._mark_deleted(manifest, replaced)
                        manifest = Manifest.read(self.path)
                        snapshot = _Snapshot(self.path, manifest)
                        held = snapshot.ids()
                already: list[str] = []
                result = self._add(manifest, snapshot, _not_held(items, held, already), drop, commit)
                result.already_held = already
            finally:
                snapshot.close()
        return result

    def _add(self, manifest: Manifest, snapshot: _Snapshot, items: Iterable[Document | Skip],
             drop: Callable[[ScanResult, frozenset[str]], Iterable[str]] | None, commit: bool) -> AddResult:
        config = self._config(manifest)
        progress = Progress(config.progress)
        store = TextStore(config.temp_dir)
        dropped: list[int] = []
        try:
            records, skips, line_keys = read_documents(items, store, progress, config)
            if not records:
                return AddResult(0, skips, 0)
            found, quoted, fp_new, furniture, rechecked = self._relate(snapshot, store, records, line_keys, config,
                                                                       progress, old_only=False)
            first = len(snapshot)
            still = {frozenset((p.a, p.b)) for _, _, p in found}
            ended = [(a, b) for a, b in rechecked if frozenset((a, b)) not in still]
            if drop is not None:
                everything = snapshot.records + records
                result = ScanResult(everything, *settle(everything, found, config), skips)
                gone = set(drop(result, frozenset(r.id for r in snapshot.records)))
                dropped = [k for k, r in enumerate(records) if r.id in gone]
            if not commit:
                return AddResult(0, skips, len(found), result if drop is not None else None)
            fp_new.doc_index = (fp_new.doc_index - first).astype(np.int32)
            for index in fp_new.indexes().values():
                index.doc = (index.doc - first).astype(np.int32)
            name = f"seg-{manifest.generation + 1:06d}"
            everything = snapshot.records + records
            quotes_only = frozenset(frozenset((everything[i].id, everything[j].id))
                                    for i, j in unpack_pair_keys(quoted).tolist())
            write_segment(self.path, name, records, store.get_many(range(len(records))), line_keys, fp_new,
                          [pair for _, _, pair in found], ended, furniture, quotes_only)
        finally:
            store.close()
        manifest.generation += 1
        manifest.layers = manifest.layers or tuple(config.layers)
        manifest.segments.append({"name": name, "documents": len(records)})
        if dropped:
            manifest.deleted[name] = dropped
        manifest.write(self.path)
        if len(manifest.segments) > config.sizes.max_segments:
            self._merge(manifest)
        new_pairs = [pair for i, j, pair in found if max(i, j) >= first]  # (not the older pairs checked again)
        return AddResult(len(records) - len(dropped), skips, len(new_pairs), result if drop is not None else None,
                         found_pairs=new_pairs)

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
        found = set()
        for s in manifest.segments:
            segment = Segment.open(self.path / s["name"])
            try:
                gone = set(manifest.deleted.get(segment.name, []))
                rows = [k for k, r in enumerate(segment.records) if r.id in ids and k not in gone]
            finally:
                segment.close()
            if rows:
                manifest.deleted[segment.name] = sorted(gone | set(rows))
                found.update(segment.records[k].id for k in rows)
        if found:
            manifest.generation += 1
            manifest.write(self.path)
        return found

    def _relate_new(self, snapshot: _Snapshot, items: Iterable[Document | Skip]):
        config = self._config(snapshot.manifest)
        progress = Progress(config.progress)
        store = TextStore(config.temp_dir)
        try:
            records, skips, line_keys = read_documents(items, store, progress, config)
            if not records:
                return [], records, skips
            found, *_ = self._relate(snapshot, store, records, line_keys, config, progress, old_only=True)
        finally:
            store.close()
        return found, records, skips

    def _relate(
        self, snapshot: _Snapshot, store: TextStore, records: list[DocumentRecord], line_keys: np.ndarray,
        config: ScanConfig, progress: Progress, old_only: bool,
    ) -> tuple[list[tuple[int, int, Pair]], np.ndarray, Fingerprints, np.ndarray, list[tuple[str, str]]]:
        """The new documents fingerprinted with the index's furniture lines, and aligned with every candidate that
        involves one of them (with old_only, only candidates in the index). Also the pair keys only the quotation
        index nominated, the new documents' fingerprints,
        the corpus's furniture shingles, and the stored pairs checked again (old_only: none): those whose
        documents hold furniture found since they were (a shingle or line that more documents now hold), for
        which the index's answer would have changed."""
        reuse_freed_memory()
        first = len(snapshot)
        repeated = repeated_lines(np.concatenate([snapshot.line_keys(), line_keys]), config.thresholds.clean)
        texts = _Chained(snapshot, store)
        everything = snapshot.records + records
        executor = make_executor(config.engine, config.workers, len(records), config.sizes, config.scheduler)
        try:
            new = fingerprint_texts(executor, texts, records, first, repeated, config, progress)
            old = snapshot.fingerprints()
            combined = Fingerprints.concatenate([old, _copy(new)]) if old is not None else _copy(new)
            with ThreadPoolExecutor(config.workers or os.cpu_count() or 1) as pool:
                combined.sort_indexes(pool.map)
            furniture = corpus_furniture(combined, texts.get_many, repeated, config.thresholds)
            recheck, rechecked = None, []
            if not old_only and first:
                recheck, rechecked = self._stale_pairs(snapshot, combined, furniture, repeated, config)
            found, quoted = relate_documents(executor, texts, everything, combined, repeated, config, progress,
                                             new_from=first, old_partners_only=old_only, furniture=furniture,
                                             recheck=recheck)
            return found, quoted, new, furniture, rechecked
        finally:
            executor.close()

    def _stale_pairs(
        self, snapshot: _Snapshot, fp: Fingerprints, furniture: np.ndarray, repeated: frozenset[int],
        config: ScanConfig,
    ) -> tuple[Nomination | None, list[tuple[str, str]]]:
        """The stored pairs whose documents hold furniture that the index did not know when they were found: a
        shingle that is furniture now and was not at the last add, or a line that now repeats across enough
        documents. Each is aligned again as it was first: a pair only the quotation index nominated, as reports of
        one event."""
        first = len(snapshot)
        fresh = furniture[~is_member(furniture, snapshot.furniture())]
        affected = set(np.unique(fp.shingles.doc[is_member(fp.shingles.key, fresh)]).tolist()) if len(fresh) else set()
        noted = list(snapshot.pairs_noting_quotes())
        stored = [pair for pair, _ in noted]
        number = {r.id: k for k, r in enumerate(snapshot.records)}
        fresh_lines = repeated - repeated_lines(snapshot.line_keys(), config.thresholds.clean)
        if fresh_lines:
            in_pairs = sorted({number[d] for p in stored for d in (p.a, p.b)} - affected)
            for doc, text in zip(in_pairs, snapshot.get_many(in_pairs)):
                if not fresh_lines.isdisjoint(short_line_keys(text, config.thresholds.clean)):
                    affected.add(doc)
        affected = {d for d in affected if d < first}
        stale = [(p, quoted) for p, quoted in noted if number[p.a] in affected or number[p.b] in affected]
        if not stale:
            return None, []
        keys = pair_keys(np.array([number[p.a] for p, _ in stale], np.int64),
                         np.array([number[p.b] for p, _ in stale], np.int64))
        quoted = keys[[q for _, q in stale]]
        empty = np.empty(0, np.int64)
        return Nomination(np.unique(keys), np.unique(quoted), empty, empty), [(p.a, p.b) for p, _ in stale]

    def _merge(self, manifest: Manifest) -> None:
        snapshot = _Snapshot(self.path, manifest)
        try:
            fp = snapshot.fingerprints()
            if fp is None:
                return
            texts = [s.texts.raw(r) for s, rows in zip(snapshot.segments, snapshot.rows) for r in rows.tolist()]
            line_keys = batch_line_keys(snapshot.get_many(range(len(snapshot))), self.config.thresholds.clean)
            name = f"seg-{manifest.generation + 1:06d}"
            noted = list(snapshot.pairs_noting_quotes())
            write_segment(self.path, name, snapshot.records, texts, line_keys, fp, [p for p, _ in noted],
                          furniture=snapshot.furniture(),
                          quotes_only=frozenset(frozenset((p.a, p.b)) for p, quoted in noted if quoted))
            old = [s["name"] for s in manifest.segments]
        finally:
            snapshot.close()
        manifest.generation += 1
        manifest.segments = [{"name": name, "documents": len(snapshot.records)}]
        manifest.deleted = {}
        manifest.write(self.path)
        for segment in old:  # a reader that opened them keeps its open files and mappings
            shutil.rmtree(self.path / segment, ignore_errors=True)


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


def _copy(fp: Fingerprints) -> Fingerprints:
    """A copy whose arrays concatenation may drop (Fingerprints.concatenate empties its parts)."""
    indexes = {name: KeyIndex(i.key, i.doc, i.pos) for name, i in fp.indexes().items()}
    per_doc = {name: value for name, value in vars(fp).items() if name not in INDEXES}
    return Fingerprints(**per_doc, **indexes)


def _not_held(items: Iterable[Document | Skip], held: set[str], already: list[str]) -> Iterator[Document | Skip]:
    """The items, a document whose id the index holds turned into a skip (its id noted in `already`)."""
    for item in items:
        if isinstance(item, Document) and item.id in held:
            already.append(item.id)
            yield Skip(item.path or item.id, "already in the index (add with --replace to replace it)", item.id)
        else:
            yield item


