"""The fingerprints of a corpus, typed: every key index is one `KeyIndex` (key, document, position rows sorted by
key), and `Fingerprints` holds those indexes with the per-document arrays. A batch's fingerprints and a whole
corpus's are the same type (document numbers are the corpus's), so batches concatenate into a corpus, and the
arrays are plain columns that can live in memory-mapped files.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from copytrace.arrays import argsort_keys, distinct_holdings

#: the key indexes a corpus may hold, in the order the candidate stage reads them
INDEXES = ("shingles", "skeleton", "content", "quotes", "anchors")


@dataclass
class KeyIndex:
    """Rows of (key, document, position): which documents hold a key, and where (a word offset in the sequence the
    index is taken of; anchors have no position). Sorted by key, each (document, key) once."""

    key: np.ndarray  # uint64
    doc: np.ndarray  # int32: document number
    pos: np.ndarray | None = None  # int32

    def __len__(self) -> int:
        return len(self.key)

    @classmethod
    def held(cls, doc: np.ndarray, key: np.ndarray, pos: np.ndarray | None = None) -> KeyIndex:
        """The index of these rows, each (document, key) once (the first kept: arrays.distinct_holdings), sorted by
        key: a phrase repeated inside one text cannot pose as a passage shared with another."""
        if pos is None:
            doc, key = distinct_holdings(doc, key)
        else:
            doc, key, pos = distinct_holdings(doc, key, pos)
        return cls(key, doc, pos)

    def renumbered(self, doc_index: np.ndarray) -> KeyIndex:
        """The same rows with batch-local document numbers replaced by doc_index's."""
        return KeyIndex(self.key, doc_index[self.doc], self.pos)

    def select(self, rows: np.ndarray) -> KeyIndex:
        return KeyIndex(self.key[rows], self.doc[rows], None if self.pos is None else self.pos[rows])

    def columns(self) -> list[str]:
        return ["doc", "key"] + ([] if self.pos is None else ["pos"])

    @classmethod
    def concatenate(cls, parts: list[KeyIndex]) -> KeyIndex:
        """One index of several batches' rows (in batch order: sort_by_key orders it). Each part's columns are
        dropped as the whole's are made, so memory holds about one copy, not two."""
        out = {}
        for name in parts[0].columns():
            out[name] = np.concatenate([getattr(p, name) for p in parts])
            for p in parts:
                setattr(p, name, None)
        return cls(out["key"], out["doc"], out.get("pos"))

    def sort_by_key(self, gather: Callable[[Callable, list], Iterator]) -> None:
        """Rows in key order (stable), each column gathered by `gather` (a thread pool's map: numpy lets go of the
        GIL to gather)."""
        order = argsort_keys(self.key)
        names = self.columns()
        for name, column in zip(names, gather(lambda name: getattr(self, name)[order], names)):
            setattr(self, name, column)


@dataclass
class Fingerprints:
    """Everything the candidate stage needs about a set of documents, indexed by corpus document number."""

    doc_index: np.ndarray  # int32: the documents, in order (a batch's slice of the corpus)
    exact: np.ndarray  # uint64: identical after normalisation
    signatures: np.ndarray  # uint32 (n_docs, num_perm); rows of documents without shingles are meaningless
    n_shingles: np.ndarray  # int64
    n_tokens: np.ndarray  # int64
    clean_chars: np.ndarray  # int64
    boilerplate_chars: np.ndarray  # int64
    langs: list[str | None]
    shingles: KeyIndex  # sampled word shingles (fingerprint.lexical)
    skeleton: KeyIndex | None = None  # sampled function-word n-grams (fingerprint.spin)
    content: KeyIndex | None = None  # sampled content-word pairs
    anchors: KeyIndex | None = None  # numbers and names, no positions
    quotes: KeyIndex | None = None  # every shingle inside quotation marks (fingerprint.quotes)

    def __len__(self) -> int:
        return len(self.doc_index)

    def indexes(self) -> dict[str, KeyIndex]:
        """The key indexes present, by name."""
        return {name: getattr(self, name) for name in INDEXES if getattr(self, name) is not None}

    @classmethod
    def empty(cls, num_perm: int) -> Fingerprints:
        i64 = np.zeros(0, np.int64)
        return cls(np.zeros(0, np.int32), np.zeros(0, np.uint64), np.zeros((0, num_perm), np.uint32), i64, i64,
                   i64, i64, [], KeyIndex(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32)))

    @classmethod
    def concatenate(cls, parts: list[Fingerprints]) -> Fingerprints:
        """A corpus's fingerprints from its batches' (sorted by their first document). Each index is concatenated
        in batch order; sort_indexes puts it in key order."""
        per_doc = {}
        for f in fields(cls):
            if f.name == "langs" or f.name in INDEXES:
                continue
            per_doc[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
        indexes = {
            name: KeyIndex.concatenate([getattr(p, name) for p in parts])
            for name in INDEXES if getattr(parts[0], name) is not None
        }
        return cls(langs=[lang for p in parts for lang in p.langs], **per_doc, **indexes)

    def shifted(self, by: int) -> Fingerprints:
        """A copy with every document number moved by `by` (a segment's numbers from 0 to a corpus's, and back);
        concatenation may drop a copy's arrays, not the original's."""
        indexes = {name: KeyIndex(i.key, (np.asarray(i.doc) + by).astype(np.int32), i.pos)
                   for name, i in self.indexes().items()}
        per_doc = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in INDEXES}
        per_doc["doc_index"] = (np.asarray(self.doc_index) + by).astype(np.int32)
        return Fingerprints(**per_doc, **indexes)

    def sort_indexes(self, gather: Callable[[Callable, list], Iterator]) -> None:
        for index in self.indexes().values():
            index.sort_by_key(gather)
