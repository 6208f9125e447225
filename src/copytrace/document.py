"""The records every stage passes along: documents, the passages two of them share, and the pair they form."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """The fixed vocabulary of relations (DESIGN.md). Every kind but SAME_STORY is a copy."""

    EXACT = "exact"
    NEAR_DUPLICATE = "near_duplicate"
    PARTIAL = "partial"
    SPUN = "spun"
    PARAPHRASE = "paraphrase"
    TRANSLATION = "translation"
    SAME_STORY = "same_story"

    @property
    def is_copy(self) -> bool:
        return self is not Kind.SAME_STORY

    def __str__(self) -> str:
        return self.value


#: kinds whose copies `dedup` drops by default: one document per family of these is kept.
FAMILY_KINDS = frozenset({Kind.EXACT, Kind.NEAR_DUPLICATE, Kind.SPUN, Kind.PARAPHRASE, Kind.TRANSLATION})


@dataclass
class Document:
    """One text of the corpus, as read: `text` is the original text every reported offset points into.

    For HTML, `text` is the extracted main text (the markup is not a text anyone reads)."""

    id: str
    text: str
    path: str | None = None
    date: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: where it was read (a file, `corpus.jsonl:LINE`, `corpus.parquet:row N`), to name it in a skip
    record: str | None = field(default=None, compare=False)
    #: a Parquet record as its file holds it (its record batch and row number in it), so that dedup writes it back
    #: with its Arrow types; dedup's spill takes it off, so no document carries a batch further
    arrow_row: tuple[Any, int] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Passage:
    """A stretch of text found in both documents: half-open character spans into each original text."""

    a: tuple[int, int]
    b: tuple[int, int]
    kind: Kind
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"a": list(self.a), "b": list(self.b), "kind": self.kind.value, "score": round(self.score, 4)}


@dataclass
class Pair:
    """Two related documents: how one was made from the other, how much of each is shared, and which came first."""

    a: str
    b: str
    kind: Kind
    score: float
    coverage_a: float
    coverage_b: float
    source: str | None = None
    passages: list[Passage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Every field at full precision (to_json rounds for readers): what an index stores."""
        return {"a": self.a, "b": self.b, "kind": self.kind.value, "score": self.score, "coverage_a": self.coverage_a,
                "coverage_b": self.coverage_b, "source": self.source,
                "passages": [[list(p.a), list(p.b), p.kind.value, p.score] for p in self.passages]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pair:
        passages = [Passage(tuple(a), tuple(b), Kind(kind), score) for a, b, kind, score in d["passages"]]
        return cls(d["a"], d["b"], Kind(d["kind"]), d["score"], d["coverage_a"], d["coverage_b"], d["source"],
                   passages)

    def swapped(self) -> Pair:
        """The same relation seen from b: sides, coverages and passages exchanged."""
        return Pair(self.b, self.a, self.kind, self.score, self.coverage_b, self.coverage_a, self.source,
                    [Passage(p.b, p.a, p.kind, p.score) for p in self.passages])

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "kind": self.kind.value,
            "score": round(self.score, 4),
            "coverage_a": round(self.coverage_a, 4),
            "coverage_b": round(self.coverage_b, 4),
            "source": self.source,
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True)
class RecordFields:
    """Which fields of a record hold its id, its text and (optionally) its publication date."""

    id: str = "id"
    text: str = "text"
    date: str | None = None


@dataclass(frozen=True)
class Skip:
    """A record or file that could not be used, and why: reported on stderr and counted, never fatal.

    `record` says where it is (a file, `corpus.jsonl:LINE`, `corpus.parquet:row N`); `id` is its id if it has one."""

    record: str
    reason: str
    id: str | None = None

    def __str__(self) -> str:
        return f"skipped {self.record}{'' if self.id is None else f' (id {self.id})'}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"record": self.record, "id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class SourceEvidence:
    """What a document says about its own age and cleanliness, for picking the original of a pair."""

    id: str
    date: str | None
    chars: int
    boilerplate_chars: int


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
class Cluster:
    id: str
    kind: str  # "copies" | "story"
    members: list[str]
    source: str | None

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "members": self.members, "source": self.source}


@dataclass
class ScanResult:
    documents: list[DocumentRecord]
    pairs: list[Pair]
    clusters: list[Cluster]
    skips: list[Skip]
