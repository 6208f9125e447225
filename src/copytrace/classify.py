"""Kind of a pair, its passages, coverage of each side, and the likely original.

Every threshold that decides a kind lives here, with the reason that set it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from copytrace.align.lexical import TokenPassage
from copytrace.align.view import TextView
from copytrace.document import Kind, Pair, Passage

#: both sides at least this much inside aligned passages: the same text with other furniture or small edits.
NEAR_DUPLICATE_MIN_COVERAGE = 0.8
#: reuse of fewer unquoted words than this is not a copy: independent reports share a stock sentence or two.
MIN_COPY_WORDS = 25
#: a passage of at least this many unquoted words is substantial reuse on its own (~2-3 sentences of news prose).
PARTIAL_MIN_WORDS = 40
#: a short text this much inside a longer one is an excerpt of it, even below PARTIAL_MIN_WORDS.
EXCERPT_MIN_COVERAGE = 0.5
#: shared quotation of at least this many words marks two reports of the same event (DESIGN: same_story).
SAME_STORY_MIN_QUOTED_WORDS = 8
#: a passage this much inside quotes on either side is quoted material, not reuse of the other's prose.
QUOTED_PASSAGE_SHARE = 0.8
#: a side at least this much inside the other, while the other is at most CONTAINER_MAX_COVERAGE inside it,
#: was cut out of the other: the containing text is the likely original.
CONTAINED_MIN_COVERAGE = 0.8
CONTAINER_MAX_COVERAGE = 0.6


@dataclass(frozen=True)
class SourceEvidence:
    """What a document says about its own age and cleanliness, for picking the original of a pair."""

    id: str
    date: str | None
    chars: int
    boilerplate_chars: int


def _passage_kind(p: TokenPassage, a: TextView, b: TextView, pair_kind: Kind) -> Kind:
    quoted = max(a.in_quote[p.covered_a].mean(), b.in_quote[p.covered_b].mean())
    return Kind.SAME_STORY if quoted >= QUOTED_PASSAGE_SHARE else pair_kind


def classify_lexical(a: TextView, b: TextView, passages: list[TokenPassage], exact: bool) -> Pair | None:
    """The pair's kind from its verbatim passages, or None when they share nothing worth reporting."""
    if not passages:
        if exact:  # identical after normalisation but without a passage long enough to align: a very short text
            whole = Passage((a.char_span(0, len(a)) if len(a) else (0, 1)), (b.char_span(0, len(b)) if len(b) else (0, 1)), Kind.EXACT, 1.0)
            return Pair(a.id, b.id, Kind.EXACT, 1.0, 1.0, 1.0, passages=[whole])
        return None
    covered_a = np.unique(np.concatenate([p.covered_a for p in passages]))
    covered_b = np.unique(np.concatenate([p.covered_b for p in passages]))
    coverage_a, coverage_b = a.coverage(covered_a), b.coverage(covered_b)
    free_words = min(int((~a.in_quote[covered_a]).sum()), int((~b.in_quote[covered_b]).sum()))
    quoted_words = min(len(covered_a), len(covered_b)) - free_words

    if exact:
        kind, score = Kind.EXACT, 1.0
    elif free_words < MIN_COPY_WORDS:
        if quoted_words < SAME_STORY_MIN_QUOTED_WORDS:
            return None
        kind, score = Kind.SAME_STORY, max(coverage_a, coverage_b)
    elif min(coverage_a, coverage_b) >= NEAR_DUPLICATE_MIN_COVERAGE:
        kind, score = Kind.NEAR_DUPLICATE, min(coverage_a, coverage_b)
    elif free_words >= PARTIAL_MIN_WORDS or max(coverage_a, coverage_b) >= EXCERPT_MIN_COVERAGE:
        kind, score = Kind.PARTIAL, max(coverage_a, coverage_b)
    else:
        return None
    out = [
        Passage(a.char_span(p.a0, p.a1), b.char_span(p.b0, p.b1), _passage_kind(p, a, b, kind), p.score)
        for p in passages
    ]
    return Pair(a.id, b.id, kind, float(min(max(score, 0.0), 1.0)), coverage_a, coverage_b, passages=out)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    for parse in (datetime.fromisoformat, lambda s: datetime.strptime(s[:10], "%Y/%m/%d"), lambda s: datetime.strptime(s[:10], "%d.%m.%Y")):
        try:
            d = parse(text)
            return d.replace(tzinfo=None)
        except ValueError:
            continue
    return None


def likely_source(pair: Pair, ea: SourceEvidence, eb: SourceEvidence) -> str | None:
    """The id judged original: dates first; then containment; then the cleaner, longer text. None when unclear."""
    da, db = _parse_date(ea.date), _parse_date(eb.date)
    if da and db and da != db:
        return ea.id if da < db else eb.id
    if pair.kind is Kind.SAME_STORY:
        return None
    if pair.coverage_a >= CONTAINED_MIN_COVERAGE and pair.coverage_b <= CONTAINER_MAX_COVERAGE:
        return eb.id  # A was cut out of B
    if pair.coverage_b >= CONTAINED_MIN_COVERAGE and pair.coverage_a <= CONTAINER_MAX_COVERAGE:
        return ea.id
    if pair.kind in (Kind.EXACT, Kind.NEAR_DUPLICATE):
        return cleanest_longest([ea, eb], unique=True)
    return None


def _cleanliness(e: SourceEvidence) -> tuple[float, int]:
    share = e.boilerplate_chars / max(e.chars, 1)
    return (round(share, 3), -(e.chars - e.boilerplate_chars))


def cleanest_longest(candidates: list[SourceEvidence], unique: bool = False) -> str | None:
    """The earliest dated, else the cleanest (least furniture), longest text. With unique, None on a tie."""
    dated = [(d, e) for e in candidates if (d := _parse_date(e.date))]
    if dated:
        dated.sort(key=lambda x: x[0])
        if not unique or len(dated) == 1 or dated[0][0] != dated[1][0]:
            return dated[0][1].id
    ranked = sorted(candidates, key=lambda e: (_cleanliness(e), e.id))
    if unique and len(ranked) > 1 and _cleanliness(ranked[0]) == _cleanliness(ranked[1]):
        return None
    return ranked[0].id
