"""What one manifest names: the live documents of its segments, numbered in the order of their adds (removed ones
left out), and the probes that find, without reading the whole index, the indexed documents a batch of new ones
could be related to.

A probe looks each key of the new documents up in every segment's key indexes (sorted on disk, memory-mapped:
binary search), and keeps all the rows of a key, so that every count the candidate stage makes of a key (how many
documents hold it) is the count the whole index would give. A key held by more documents than its index ever
looks at (CandidateConfig's max_doc_freq, max_bucket) nominates nothing and is not fetched. The documents found,
with the new ones, form a small corpus (`Neighbourhood`) that the engine relates as it relates a scan's, with the
corpus-wide figures (document count, main language, furniture) taken from the whole index.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from copytrace.arrays import unique_values
from copytrace.candidates.lsh import band_keys
from copytrace.config import CandidateConfig
from copytrace.document import DocumentRecord, Pair
from copytrace.fingerprint.keys import INDEXES, Fingerprints, KeyIndex
from copytrace.native import equal_ranges
from copytrace.segments import Manifest, Segment
from copytrace.text.tokens import is_member


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The row numbers of every range [lo, hi), concatenated."""
    sizes = hi - lo
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return starts + np.arange(total)


def manifest_version(manifest: Manifest) -> tuple:
    """What tells two manifests apart."""
    return (manifest.generation, tuple(s["name"] for s in manifest.segments),
            tuple(sorted((k, tuple(v)) for k, v in manifest.deleted.items())))


@dataclass
class Lookup:
    """Each segment's index `name` searched for `keys`: per segment (index, row numbers, removed rows, lo, hi), and
    how many indexed documents hold each key."""

    name: str
    keys: np.ndarray
    found: list[tuple[KeyIndex, np.ndarray, int, np.ndarray, np.ndarray]]
    counts: np.ndarray


class Snapshot:
    """The live documents of the segments one manifest names. Segments are shared between snapshots (they never
    change); a snapshot holds no per-document data but its numbering."""

    def __init__(self, folder: Path, manifest: Manifest, opened: dict[str, Segment] | None = None) -> None:
        self.manifest = manifest
        self.version = manifest_version(manifest)  # the manifest as it was (a writer changes its Manifest object)
        opened = {} if opened is None else opened
        self.segments: list[Segment] = []
        for s in manifest.segments:  # FileNotFoundError where a merge removed them: the caller reads the newer one
            if s["name"] not in opened:
                opened[s["name"]] = Segment.open(folder / s["name"])
            self.segments.append(opened[s["name"]])
        self.numbers: list[np.ndarray] = []  # per segment: each row's global number, -1 for a removed one
        start = 0
        self.rows: list[np.ndarray] = []
        for segment in self.segments:
            keep = np.ones(len(segment), bool)
            keep[manifest.deleted.get(segment.name, [])] = False
            self.numbers.append(np.where(keep, np.cumsum(keep) - 1 + start, -1))
            self.rows.append(np.flatnonzero(keep))
            start += int(keep.sum())
        self.starts = np.cumsum([0] + [len(r) for r in self.rows])
        self._records: list[DocumentRecord] | None = None
        self._languages: Counter | None = None

    def __len__(self) -> int:
        return int(self.starts[-1])

    # ---- documents ----------------------------------------------------------------------------------------------

    def where(self, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(segment, row) of each global number."""
        k = np.searchsorted(self.starts, numbers, side="right") - 1
        rows = np.empty(len(numbers), np.int64)
        for s in np.unique(k).tolist():
            at = k == s
            rows[at] = self.rows[s][numbers[at] - self.starts[s]]
        return k, rows

    @property
    def records(self) -> list[DocumentRecord]:
        """Every live document's record (read on first use: a whole-index operation)."""
        if self._records is None:
            self._records = [s.records[r] for s, rows in zip(self.segments, self.rows) for r in rows.tolist()]
        return self._records

    def records_of(self, numbers: Iterable[int]) -> list[DocumentRecord]:
        numbers = np.asarray(list(numbers), np.int64)
        k, rows = self.where(numbers)
        return [self.segments[s].record(r) for s, r in zip(k.tolist(), rows.tolist())]

    def ids(self) -> set[str]:
        return {r.id for r in self.records}

    def locate(self, ids: Iterable[str]) -> dict[str, int]:
        """The global numbers of those of these ids the snapshot holds."""
        ids = list(dict.fromkeys(ids))
        found: dict[str, int] = {}
        for segment, numbers in zip(self.segments, self.numbers):
            rows = segment.rows_of([i for i in ids if i not in found])
            for doc_id, row in zip([i for i in ids if i not in found], rows):
                if row is not None and numbers[row] >= 0:
                    found[doc_id] = int(numbers[row])
        return found

    def get_many(self, indices: Iterable[int]) -> list[str]:
        numbers = np.asarray(list(indices), np.int64)
        k, rows = self.where(numbers)
        return [self.segments[s].texts.get(r) for s, r in zip(k.tolist(), rows.tolist())]

    def languages(self) -> Counter:
        """How many live documents are in each language (counted once per snapshot)."""
        if self._languages is None:
            self._languages = self._count_languages()
        return self._languages

    def _count_languages(self) -> Counter:
        counts: Counter = Counter()
        for segment, rows in zip(self.segments, self.rows):
            langs = segment.langs()
            counts.update(langs[r] for r in rows.tolist())
        counts.pop(None, None)
        return counts

    # ---- corpus-wide figures ------------------------------------------------------------------------------------

    def line_counts(self, keys: np.ndarray) -> np.ndarray:
        """How many indexed documents hold each short-line key (removed ones counted until a merge)."""
        total = np.zeros(len(keys), np.int64)
        for segment in self.segments:
            total += segment.line_counts(keys)
        return total

    def repeated(self) -> np.ndarray:
        """The furniture lines the last add worked with."""
        return np.asarray(self.segments[-1].repeated()) if self.segments else np.zeros(0, np.uint64)

    def furniture(self) -> np.ndarray:
        """The furniture shingles the last add worked with."""
        return np.asarray(self.segments[-1].furniture()) if self.segments else np.zeros(0, np.uint64)

    # ---- probes -------------------------------------------------------------------------------------------------

    def lookup(self, name: str, keys: np.ndarray) -> Lookup:
        """Where each of `keys` (sorted, distinct) lies in each segment's index `name`: the binary searches that
        holders() starts from, which an add makes once for its furniture and its neighbourhood."""
        counts = np.zeros(len(keys), np.int64)
        found = []
        for segment, numbers, rows in zip(self.segments, self.numbers, self.rows):
            index = segment.index(name)
            if index is None:
                continue
            lo, hi = equal_ranges(np.asarray(index.key), keys)
            found.append((index, numbers, len(numbers) - len(rows), lo, hi))
            counts += hi - lo
        return Lookup(name, keys, found, counts)

    def holders(self, name: str, keys: np.ndarray, max_holders: int | None = None, more: np.ndarray | None = None,
                first: int | None = None, looked: Lookup | None = None) -> tuple[KeyIndex, np.ndarray]:
        """The live rows of index `name` (a fingerprint index, or probe.bands / probe.exact) holding any of `keys`
        (sorted, distinct), documents as global numbers, sorted by key then document; and how many indexed
        documents hold each key (removed ones counted until a merge purges them). Keys held by more than
        max_holders documents, counting `more` holders besides (the new documents'), give no rows; with `first`,
        only each key's first documents are given. `looked`: lookup(name, keys) made already."""
        if looked is None:
            looked = self.lookup(name, keys)
        assert looked.name == name and len(looked.keys) == len(keys)
        found, counts = looked.found, looked.counts
        wanted = np.ones(len(keys), bool)
        if max_holders is not None:
            wanted = counts + (0 if more is None else more) <= max_holders
        parts = [KeyIndex(np.zeros(0, np.uint64), np.zeros(0, np.int64), None)]
        for index, numbers, removed, lo, hi in found:
            lo, hi = lo[wanted], hi[wanted]
            if first is not None:  # each key's first live holders lie among its first + removed rows
                hi = np.minimum(hi, lo + first + removed)
            rows = _ranges(lo, hi)
            doc = numbers[np.asarray(index.doc)[rows]]
            live = doc >= 0
            rows, doc = rows[live], doc[live]
            parts.append(KeyIndex(np.asarray(index.key)[rows], doc.astype(np.int64),
                                  None if index.pos is None else np.asarray(index.pos)[rows]))
        if len(parts) > 1 and parts[1].pos is not None:
            parts[0].pos = np.zeros(0, np.int32)
        out = KeyIndex.concatenate(parts)
        out = out.select(np.lexsort((out.doc, out.key)))
        if first is not None:
            out = out.select(np.arange(len(out)) - np.searchsorted(out.key, out.key, "left") < first)
        return out, counts

    def banding_matches(self, config: CandidateConfig) -> bool:
        """Whether every segment's MinHash band index was made with this banding."""
        return all(s.banding() == (config.bands, config.rows) for s in self.segments)

    def per_document(self, numbers: np.ndarray, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """The per-document fingerprint arrays of these documents (global numbers), in their order: those named, or
        every one (and "langs")."""
        k, rows = self.where(numbers)
        out = {}
        every = [f.name for f in fields(Fingerprints) if f.name not in ("langs", "doc_index") and f.name not in INDEXES]
        for name in every if names is None else names:
            parts, order = [], []
            for s in np.unique(k).tolist():
                at = np.flatnonzero(k == s)
                parts.append(np.asarray(self.segments[s].array(f"fp.{name}"))[rows[at]])
                order.append(at)
            if parts:
                values = np.concatenate(parts)
                out[name] = values[np.argsort(np.concatenate(order), kind="stable")]
            else:
                sample = self.segments[0].array(f"fp.{name}")
                out[name] = np.zeros((0,) + sample.shape[1:], sample.dtype)
        if names is None:
            out["langs"] = [self.segments[s].langs()[r] for s, r in zip(k.tolist(), rows.tolist())]
        return out

    def fingerprints(self) -> Fingerprints | None:
        """Every live document's fingerprints, numbered from 0 in this snapshot's order (a merge's)."""
        parts = []
        for segment, numbers in zip(self.segments, self.numbers):
            fp, keep = segment.fingerprints(), numbers >= 0
            per_doc = {name: np.asarray(value)[keep] for name, value in vars(fp).items()
                       if name != "langs" and name not in INDEXES}
            per_doc["doc_index"] = numbers[keep].astype(np.int32)
            indexes = {}
            for name, index in fp.indexes().items():
                doc = numbers[np.asarray(index.doc)]
                rows = doc >= 0
                indexes[name] = KeyIndex(np.asarray(index.key)[rows], doc[rows].astype(np.int32),
                                         None if index.pos is None else np.asarray(index.pos)[rows])
            langs = [lang for lang, k in zip(fp.langs, keep.tolist()) if k]
            parts.append(Fingerprints(langs=langs, **per_doc, **indexes))
        return Fingerprints.concatenate(parts) if parts else None

    # ---- stored pairs -------------------------------------------------------------------------------------------

    def pairs(self) -> Iterator[Pair]:
        for pair, _ in self.pairs_noting_quotes():
            yield pair

    def pairs_noting_quotes(self) -> Iterator[tuple[Pair, bool]]:
        """The stored pairs of live documents, each as its latest segment has it (a later add may have checked it
        again, or ended it), with whether only the quotation index nominated it."""
        gone = self.gone()
        for _, _, pair, quoted in latest_pairs(self.segments).values():
            if pair is not None and pair.a not in gone and pair.b not in gone:
                yield pair, quoted

    def gone(self) -> set[str]:
        """The ids of removed documents that the snapshot does not hold again (under another row)."""
        removed = {segment.record(int(row)).id
                   for segment, numbers in zip(self.segments, self.numbers) for row in np.flatnonzero(numbers < 0)}
        return removed - set(self.locate(removed))

    def close(self) -> None:
        for segment in self.segments:
            segment.close()


def latest_pairs(segments: Iterable[Segment]) -> dict[frozenset, tuple[str, str, Pair | None, bool]]:
    """Each stored pair of these segments (in their order) as the latest of them has it: (a, b, the pair or None
    where a later segment ended it, whether only the quotation index nominated it), in the order of their last
    lines (a replaced pair takes its new place)."""
    latest: dict[frozenset, tuple[str, str, Pair | None, bool]] = {}
    for segment in segments:
        for a, b, pair, quoted in segment.pairs():
            key = frozenset((a, b))
            latest.pop(key, None)
            latest[key] = (a, b, pair, quoted)
    return latest


@dataclass
class Neighbourhood:
    """The indexed documents a batch of new ones may be related to (global numbers, sorted), with the rows of their
    key indexes that the new documents' keys reach: numbered 0.. in this order, the new documents after them."""

    old: np.ndarray  # global numbers of the indexed documents taken in
    indexes: dict[str, KeyIndex]  # rows of old documents (local numbers), by index name
    #: by index name, the new documents' keys (sorted) held by more documents of the whole index than it looks at:
    #: their old rows are not taken in, so the new ones must go too, or the new documents would count each other
    #: alone as its holders and pair up on a common key that a scan of the index drops
    common: dict[str, np.ndarray]

    def without_common(self, fp: Fingerprints) -> Fingerprints:
        """The new documents' fingerprints without the rows of keys too common in the whole index."""
        return replace(fp, **{name: index.select(np.flatnonzero(~is_member(index.key, self.common[name])))
                              for name, index in fp.indexes().items() if len(self.common.get(name, ()))})

    def local(self, numbers: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.old, numbers)


def neighbourhood(snapshot: Snapshot, new: Fingerprints, config: CandidateConfig, multilingual: bool,
                  also: Iterable[int] = (), looked: Lookup | None = None, documents: int = 0) -> Neighbourhood:
    """The indexed documents that could make a candidate pair with a new document (fingerprinted, numbered from
    0): an exact text or a MinHash band in common, at least as many sampled shingles, skeleton n-grams, content-word
    pairs or quotations in common as their index needs on one diagonal (counted over all the new documents: an
    upper bound); in a corpus of several languages, every holder of an anchor (candidates.crosslingual ranks them
    all by rarity); and the documents `also` names. Only keys held by no more documents than their index looks at
    count. Each key's rows are those of all its holders taken in: the counts the candidate stage makes of a key stay
    the whole index's. `looked`: one of the lookups it needs, made already (Snapshot.lookup). `documents`: the
    corpus's size after the add, to which the caps scale (CandidateConfig.doc_freq_cap)."""
    documents = documents or len(snapshot) + len(new)
    caps = {"shingles": config.doc_freq_cap(config.shingle_max_doc_freq, documents),
            "skeleton": config.doc_freq_cap(config.skeleton_max_doc_freq, documents),
            "content": config.doc_freq_cap(config.content_max_doc_freq, documents),
            "quotes": config.doc_freq_cap(config.quote_max_doc_freq, documents),
            "anchors": config.crosslingual_max_doc_freq}
    needs = {"shingles": config.shingle_min_shared, "skeleton": config.skeleton_min_shared,
             "content": config.content_min_shared, "quotes": config.quote_min_shared, "anchors": 1}
    found: dict[str, KeyIndex] = {}
    common: dict[str, np.ndarray] = {}
    docs = [np.asarray(list(also), np.int64)]
    for name, index in new.indexes().items():
        if name == "anchors" and not multilingual:  # anchors nominate only across languages
            found[name] = KeyIndex(np.zeros(0, np.uint64), np.zeros(0, np.int64), None)
            continue
        keys, more = np.unique(np.asarray(index.key), return_counts=True)
        found[name], counts = snapshot.holders(name, keys, caps[name], more,
                                               looked=looked if looked is not None and looked.name == name else None)
        common[name] = keys[counts + more > caps[name]]
        holders, shared = np.unique(found[name].doc, return_counts=True)
        docs.append(holders[shared >= needs[name]])
    usable = np.flatnonzero(new.n_tokens > 0)
    docs.append(snapshot.holders("probe.exact", unique_values(new.exact[usable]), first=1)[0].doc)
    usable = np.flatnonzero(new.n_shingles > 0)
    if len(usable):
        keys, more = np.unique(band_keys(new.signatures[usable], config.bands, config.rows), return_counts=True)
        cap = config.doc_freq_cap(config.max_bucket, documents)
        docs.append(snapshot.holders("probe.bands", keys, cap, more)[0].doc)
    old = unique_values(np.concatenate(docs))
    indexes = {}
    for name, rows in found.items():
        rows = rows.select(np.flatnonzero(_member(rows.doc, old)))
        indexes[name] = KeyIndex(rows.key, np.searchsorted(old, rows.doc).astype(np.int32), rows.pos)
    return Neighbourhood(old, indexes, common)


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in a sorted array."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values
