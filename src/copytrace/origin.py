"""The likely original of a pair and of a copy family: dates when known; else the text that contains the other;
else the artefacts of rewriting (the rewritten side's own words are rarer); else the cleaner, longer text."""
from __future__ import annotations

from datetime import datetime

import numpy as np

from copytrace.config import DEFAULTS, ClassifyConfig
from copytrace.document import Kind, Pair, SourceEvidence
from copytrace.fingerprint.rarity import mean_log_probability
from copytrace.text.view import TextView


def _own_words(a: TextView, b: TextView) -> list[str]:
    """A's story words that B lacks (by token identity), as text."""
    own = a.story & ~np.isin(a.hashes, b.hashes) & ~a.numeric
    return [a.text[s:e] for s, e in zip(a.starts[own].tolist(), a.ends[own].tolist())]


def rewritten_side(a: TextView, b: TextView, config: ClassifyConfig = DEFAULTS.classify) -> str | None:
    """The original of a spun or paraphrased pair by its artefacts: the rewritten side's own words are rarer.
    None when the two differ by less than rewrite_min_rarity_gap (nats per word)."""
    pa, pb = mean_log_probability(_own_words(a, b)), mean_log_probability(_own_words(b, a))
    if pa is None or pb is None or abs(pa - pb) < config.rewrite_min_rarity_gap:
        return None
    return a.id if pa > pb else b.id


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


def likely_source(
    pair: Pair, ea: SourceEvidence, eb: SourceEvidence, config: ClassifyConfig = DEFAULTS.classify
) -> str | None:
    """The id judged original: dates first; then containment; then artefacts of rewriting (pair.source, set by
    classify_pair for spun and paraphrased copies); then the cleaner, longer text. None when unclear."""
    da, db = _parse_date(ea.date), _parse_date(eb.date)
    if da and db and da != db:
        return ea.id if da < db else eb.id
    if pair.kind is Kind.SAME_STORY:
        return None
    if pair.coverage_a >= config.contained_min_coverage and pair.coverage_b <= config.container_max_coverage:
        return eb.id  # A was cut out of B
    if pair.coverage_b >= config.contained_min_coverage and pair.coverage_a <= config.container_max_coverage:
        return ea.id
    if pair.source is not None:
        return pair.source
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
