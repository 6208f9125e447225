"""Kind of a pair, its passages, coverage of each side, and the likely original.

Every threshold that decides a kind lives here, with the reason that set it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import datetime

import numpy as np

from copytrace.align.lexical import TokenPassage
from copytrace.arrays import unique_values
from copytrace.align.sentences import SentenceMatch, in_order_share
from copytrace.align.view import TextView
from copytrace.document import Kind, Pair, Passage
from copytrace.fingerprint.rarity import mean_log_probability

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
#: sentences matched on skeleton, content or meaning that make two texts related when they fall short of a copy.
SAME_STORY_MIN_SENTENCES = 2
#: a passage this much inside quotes on either side is quoted material, not reuse of the other's prose.
QUOTED_PASSAGE_SHARE = 0.8
#: a side at least this much inside the other, while the other is at most CONTAINER_MAX_COVERAGE inside it,
#: was cut out of the other: the containing text is the likely original.
CONTAINED_MIN_COVERAGE = 0.8
CONTAINER_MAX_COVERAGE = 0.6
#: a sentence alignment names a disguised copy with at least this many matched sentences (fewer when the shorter
#: text has fewer) covering at least MIN_SENTENCE_COVERAGE of one side: a copy is most of at least one text (tune
#: split: spun, paraphrased and translated copies cover 0.66-1.0 of the shorter side; reports of one event that
#: share a few reworded facts, 0.24-0.5).
MIN_ALIGNED_SENTENCES = 3
MIN_SENTENCE_COVERAGE = 0.5
#: a copy found mostly on meaning (embeddings) must match this share of the shorter side's sentences: a translated
#: excerpt matches nearly all of its sentences (tune split: 0.71-1.0), two reports of one event a few (0.0-0.24).
MEANING_MIN_SHORTER_SHARE = 0.6
#: the rewritten side's own words are rarer by at least this (mean log-probability per word, nats) to name it.
REWRITE_MIN_RARITY_GAP = 0.3
#: it replaces a verbatim verdict only when it covers this much more of a side than the verbatim passages do.
DISGUISE_MARGIN = 0.05
#: a spun copy: most matches on the function-word skeleton, in the source's order (tune split: spun copies 1.0,
#: rule paraphrases 0.76-0.95 with local reordering).
SPUN_MIN_SKELETON_SHARE = 0.6
SPUN_MIN_IN_ORDER = 0.95
#: a copy aligned near-verbatim overall is rewritten when at least this share of its aligned sentences has words
#: swapped inside (tune split: near-duplicates 0.0, 20% spins 0.32-0.50, 35% spins 0.32-0.90) ...
SPUN_MIN_EDITED_SHARE = 0.25
#: ... with at least this share of their words swapped (a 20% spin of content words swaps ~1 word in 10; the
#: speed corpus's planted near-duplicates, a few words changed, ~1 in 100).
SPUN_MIN_SWAPPED_WORDS = 0.04
#: ... and spun when sentence for sentence: re-split and merged sentences change the sentence count.
SPUN_MIN_SENTENCE_RATIO = 0.9


#: a text translated from one report matches other outlets' reports of the same event too: reports of one event mean
#: alike in any language, and across languages meaning is the only evidence. Where two partners that are not copies
#: of one another explain the same stretch of a translation (COMPETING_OVERLAP of the weaker's), the one whose
#: sentences match clearly worse (mean cosine lower by COMPETING_MARGIN) is the same story, not its source (tune
#: split: the translation of news-1817 matched news-1853 at 0.66 and its source at 0.73; of news-853, news-850 at
#: 0.77 and its source at 0.85).
COMPETING_OVERLAP = 0.5
COMPETING_MARGIN = 0.03


@dataclass(frozen=True)
class SourceEvidence:
    """What a document says about its own age and cleanliness, for picking the original of a pair."""

    id: str
    date: str | None
    chars: int
    boilerplate_chars: int


def _passage_kind(p: TokenPassage, a: TextView, b: TextView, pair_kind: Kind) -> Kind:
    if not (a.has_quotes or b.has_quotes):
        return pair_kind
    quoted = max(np.count_nonzero(a.in_quote[p.covered_a]) / max(len(p.covered_a), 1),
                 np.count_nonzero(b.in_quote[p.covered_b]) / max(len(p.covered_b), 1))
    return Kind.SAME_STORY if quoted >= QUOTED_PASSAGE_SHARE else pair_kind


@dataclass
class VerbatimEvidence:
    """What the verbatim passages of a pair amount to."""

    passages: list[TokenPassage]
    coverage_a: float
    coverage_b: float
    free_words: int  # matched words outside quotations (the smaller side's count)
    quoted_words: int
    a: TextView | None = field(default=None, repr=False)
    covered_a: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def edits(self) -> tuple[float, float]:
        """(share of A's aligned sentences with words swapped inside, share of their words swapped). Computed on
        demand: it needs A's sentence table, which the lexical layer alone never builds."""
        return (0.0, 0.0) if self.a is None else _edits(self.a, self.covered_a)

    @property
    def rewritten(self) -> bool:
        edited, holes = self.edits
        return edited >= SPUN_MIN_EDITED_SHARE and holes >= SPUN_MIN_SWAPPED_WORDS

    @classmethod
    def of(cls, a: TextView, b: TextView, passages: list[TokenPassage]) -> VerbatimEvidence:
        if not passages:
            return cls([], 0.0, 0.0, 0, 0)
        covered_a, covered_b = _union([p.covered_a for p in passages]), _union([p.covered_b for p in passages])
        free = min(len(covered_a) - np.count_nonzero(a.in_quote[covered_a]),
                   len(covered_b) - np.count_nonzero(b.in_quote[covered_b]))
        quoted = min(len(covered_a), len(covered_b)) - free
        return cls(passages, a.coverage(covered_a), b.coverage(covered_b), free, quoted, a, covered_a)

    def pair(self, a: TextView, b: TextView, kind: Kind, score: float) -> Pair:
        out = [
            Passage(a.char_span(p.a0, p.a1), b.char_span(p.b0, p.b1), _passage_kind(p, a, b, kind), p.score)
            for p in self.passages
        ]
        return Pair(a.id, b.id, kind, _unit(score), self.coverage_a, self.coverage_b, passages=out)


def _union(covered: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct token positions of several passages (each already sorted and distinct)."""
    return covered[0] if len(covered) == 1 else unique_values(np.concatenate(covered))


def _edits(a: TextView, covered: np.ndarray) -> tuple[float, float]:
    """Of A's sentences mostly inside passages: the share with uncovered words inside, and the share of their words
    left uncovered. A spinner leaves holes in nearly every sentence, one word in ten or more; an editor's small
    changes touch a few sentences, a word here and there."""
    bounds = a.sentences.bounds
    if len(bounds) == 0:
        return 0.0, 0.0
    mask = np.zeros(len(a), np.int64)
    mask[covered] = 1
    story = a.story.astype(np.int64)
    hit = np.add.reduceat(mask * story, bounds[:, 0])
    total = np.add.reduceat(story, bounds[:, 0])
    aligned = (total > 0) & (hit >= 0.5 * total)
    if not aligned.any():
        return 0.0, 0.0
    edited = float(((hit < total) & aligned).sum() / aligned.sum())
    holes = float((total - hit)[aligned].sum() / total[aligned].sum())
    return edited, holes


def _unit(x: float) -> float:
    return float(min(max(x, 0.0), 1.0))


def _rewritten_kind(ev: VerbatimEvidence, sentences: SentenceEvidence | None) -> Kind:
    """A copy that aligns near-verbatim overall: a near_duplicate, unless its sentences tell of rewriting:
    reordered or re-split sentences make it a paraphrase, words swapped inside most sentences in the source's
    order make it spun."""
    if sentences is None or len(sentences.matches) < MIN_ALIGNED_SENTENCES:
        return Kind.NEAR_DUPLICATE
    if sentences.in_order < SPUN_MIN_IN_ORDER:
        return Kind.PARAPHRASE
    if ev.rewritten:
        return Kind.SPUN if sentences.sentence_ratio >= SPUN_MIN_SENTENCE_RATIO else Kind.PARAPHRASE
    return Kind.NEAR_DUPLICATE


def classify_verbatim(
    a: TextView, b: TextView, ev: VerbatimEvidence, exact: bool, sentences: SentenceEvidence | None = None
) -> Pair | None:
    """The pair's kind from its verbatim passages alone, or None when they share nothing worth reporting."""
    if exact:
        if not ev.passages:  # identical after normalisation, too short to hold an aligned passage
            whole = Passage(_whole(a), _whole(b), Kind.EXACT, 1.0)
            return Pair(a.id, b.id, Kind.EXACT, 1.0, 1.0, 1.0, passages=[whole])
        return ev.pair(a, b, Kind.EXACT, 1.0)
    if not ev.passages:
        return None
    if ev.free_words < MIN_COPY_WORDS:
        if ev.quoted_words < SAME_STORY_MIN_QUOTED_WORDS:
            return None
        return ev.pair(a, b, Kind.SAME_STORY, max(ev.coverage_a, ev.coverage_b))
    if min(ev.coverage_a, ev.coverage_b) >= NEAR_DUPLICATE_MIN_COVERAGE:
        return ev.pair(a, b, _rewritten_kind(ev, sentences), min(ev.coverage_a, ev.coverage_b))
    if ev.free_words >= PARTIAL_MIN_WORDS or max(ev.coverage_a, ev.coverage_b) >= EXCERPT_MIN_COVERAGE:
        return ev.pair(a, b, Kind.PARTIAL, max(ev.coverage_a, ev.coverage_b))
    return None


def as_same_story(pair: Pair | None) -> Pair | None:
    """The pair as two reports of one event: its kind and every passage's kind same_story."""
    if pair is None or pair.kind is Kind.SAME_STORY:
        return pair
    return replace(pair, kind=Kind.SAME_STORY, passages=[replace(p, kind=Kind.SAME_STORY) for p in pair.passages])


def _whole(v: TextView) -> tuple[int, int]:
    return v.char_span(0, len(v)) if len(v) else (0, max(len(v.text), 1))


@dataclass
class SentenceEvidence:
    """What a sentence alignment amounts to: how much of each side it covers, and how it was made."""

    matches: list[SentenceMatch]
    coverage_a: float
    coverage_b: float
    in_order: float
    skeleton_share: float  # matches made on the function-word skeleton (spinner's signature)
    meaning_share: float
    sentence_ratio: float  # sentences of the shorter side over the longer: re-splitting lowers it (quoted ones
    # count: a quotation a copy broke across paragraphs is no longer masked as one)
    shorter_share: float = 0.0  # matched sentences over the sentences of the side with fewer

    @classmethod
    def of(cls, a: TextView, b: TextView, matches: list[SentenceMatch]) -> SentenceEvidence:
        ta, tb = a.sentences, b.sentences
        if not matches:
            return cls([], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        ia = np.unique([m.i for m in matches])  # a sentence split in translation is matched twice: count it once
        jb = np.unique([m.j for m in matches])
        cov_a = float(ta.chars[ia].sum() / max(ta.chars.sum(), 1))
        cov_b = float(tb.chars[jb].sum() / max(tb.chars.sum(), 1))
        hows = [m.how for m in matches]
        na, nb = int((ta.chars > 0).sum()), int((tb.chars > 0).sum())
        return cls(
            matches, cov_a, cov_b, in_order_share(matches), hows.count("skeleton") / len(hows),
            hows.count("meaning") / len(hows), min(len(ta), len(tb)) / max(len(ta), len(tb), 1),
            len(matches) / max(min(na, nb), 1),
        )

    def passages(self, a: TextView, b: TextView, kind: Kind) -> list[Passage]:
        """Runs of matched sentences consecutive on both sides (or sharing a counterpart) become one passage each."""
        ta, tb = a.sentences, b.sentences
        runs: list[list[SentenceMatch]] = []
        for m in sorted(self.matches, key=lambda m: (m.i, m.j)):
            last = runs[-1][-1] if runs else None
            if last is not None and m.i - last.i in (0, 1) and m.j - last.j in (0, 1):
                runs[-1].append(m)
            else:
                runs.append([m])
        out = []
        for run in runs:
            sa, sb = ta.bounds[run[0].i][0], tb.bounds[run[0].j][0]
            ea, eb = ta.bounds[run[-1].i][1], tb.bounds[run[-1].j][1]
            score = sum(m.score for m in run) / len(run)
            out.append(Passage(a.char_span(int(sa), int(ea)), b.char_span(int(sb), int(eb)), kind, _unit(score)))
        return out


def sentence_copy_kind(a: TextView, b: TextView, ev: SentenceEvidence) -> Kind | None:
    """spun / paraphrase / translation when the sentence alignment shows a copy, else None."""
    shorter_sentences = min(int((a.sentences.chars > 0).sum()), int((b.sentences.chars > 0).sum()))
    needed = min(MIN_ALIGNED_SENTENCES, max(shorter_sentences, 1))
    if len(ev.matches) < needed or max(ev.coverage_a, ev.coverage_b) < MIN_SENTENCE_COVERAGE:
        return None
    by_meaning = ev.meaning_share >= 0.5
    if by_meaning and ev.shorter_share < MEANING_MIN_SHORTER_SHARE:
        return None
    if by_meaning and a.lang and b.lang and a.lang != b.lang:
        return Kind.TRANSLATION
    if ev.skeleton_share >= SPUN_MIN_SKELETON_SHARE and ev.in_order >= SPUN_MIN_IN_ORDER:
        return Kind.SPUN
    return Kind.PARAPHRASE


def classify_sentences(a: TextView, b: TextView, ev: SentenceEvidence) -> Pair | None:
    kind = sentence_copy_kind(a, b, ev)
    if kind is None:
        return None
    score = (ev.coverage_a + ev.coverage_b) / 2
    return Pair(a.id, b.id, kind, _unit(score), ev.coverage_a, ev.coverage_b, passages=ev.passages(a, b, kind))


def _own_words(a: TextView, b: TextView) -> list[str]:
    """A's story words that B lacks (by token identity), as text."""
    own = a.story & ~np.isin(a.hashes, b.hashes) & ~a.numeric
    return [a.text[s:e] for s, e in zip(a.starts[own].tolist(), a.ends[own].tolist())]


def rewritten_side(a: TextView, b: TextView) -> str | None:
    """The original of a spun or paraphrased pair by its artefacts: the rewritten side's own words are rarer.
    None when the two differ by less than REWRITE_MIN_RARITY_GAP (nats per word)."""
    pa, pb = mean_log_probability(_own_words(a, b)), mean_log_probability(_own_words(b, a))
    if pa is None or pb is None or abs(pa - pb) < REWRITE_MIN_RARITY_GAP:
        return None
    return a.id if pa > pb else b.id


def classify_pair(a: TextView, b: TextView, verbatim: VerbatimEvidence, exact: bool, sentences: SentenceEvidence | None) -> Pair | None:
    """The cascade: exact and near-duplicates stand on verbatim evidence; otherwise a sentence alignment that covers
    clearly more than the verbatim passages names a disguised copy; otherwise the verbatim verdict stands."""
    pair = classify_verbatim(a, b, verbatim, exact, sentences)
    if sentences is not None and (pair is None or pair.kind in (Kind.PARTIAL, Kind.SAME_STORY)):
        disguised = classify_sentences(a, b, sentences)
        verbatim_copy = pair is not None and pair.kind.is_copy
        verbatim_cover = min(verbatim.coverage_a, verbatim.coverage_b) if verbatim_copy else 0.0
        # a verbatim partial copy aligns sentence by sentence too: only rewritten sentences make it disguised
        rewritten = not verbatim_copy or verbatim.rewritten
        covers_more = disguised is not None and min(disguised.coverage_a, disguised.coverage_b) >= verbatim_cover + DISGUISE_MARGIN
        if rewritten and covers_more:
            pair = disguised
        elif (verbatim_copy and pair.kind is Kind.PARTIAL and verbatim.rewritten and disguised is not None
              and max(verbatim.coverage_a, verbatim.coverage_b) >= CONTAINED_MIN_COVERAGE):
            # one side nearly all inside the other, its sentences reworded: an abridged rewrite (paraphrase), not a
            # partial copy, as each side of a partial copy has substantial text of its own. Never called spun from
            # here: a spinning verdict needs the sentence alignment to carry the pair. The verbatim passages stay
            # its evidence.
            pair = replace(pair, kind=Kind.PARAPHRASE)
    if pair is None and sentences is not None and len(sentences.matches) >= SAME_STORY_MIN_SENTENCES:
        # sentences reworded from one another, too few to call a copy: related texts
        score = max(sentences.coverage_a, sentences.coverage_b)
        pair = Pair(a.id, b.id, Kind.SAME_STORY, _unit(score), sentences.coverage_a, sentences.coverage_b,
                    passages=sentences.passages(a, b, Kind.SAME_STORY))
    if pair is not None and pair.kind in (Kind.SPUN, Kind.PARAPHRASE):
        pair.source = rewritten_side(a, b)
    return pair


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
    """The id judged original: dates first; then containment; then artefacts of rewriting (pair.source, set by
    classify_pair for spun and paraphrased copies); then the cleaner, longer text. None when unclear."""
    da, db = _parse_date(ea.date), _parse_date(eb.date)
    if da and db and da != db:
        return ea.id if da < db else eb.id
    if pair.kind is Kind.SAME_STORY:
        return None
    if pair.coverage_a >= CONTAINED_MIN_COVERAGE and pair.coverage_b <= CONTAINER_MAX_COVERAGE:
        return eb.id  # A was cut out of B
    if pair.coverage_b >= CONTAINED_MIN_COVERAGE and pair.coverage_a <= CONTAINER_MAX_COVERAGE:
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


def _side(pair: Pair, doc_id: str) -> tuple[list[tuple[int, int]], float]:
    """The character spans a pair's passages hold in one of its texts, and that text's coverage."""
    if pair.a == doc_id:
        return [p.a for p in pair.passages], pair.coverage_a
    return [p.b for p in pair.passages], pair.coverage_b


def _mean_score(pair: Pair, doc_id: str) -> float:
    spans, _ = _side(pair, doc_id)
    weights = np.array([max(e - s, 1) for s, e in spans], float)
    return float(np.average([p.score for p in pair.passages], weights=weights)) if len(weights) else 0.0


def _overlap(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> float:
    """Share of the spans' characters inside any of the other spans."""
    total = sum(e - s for s, e in spans)
    inside = sum(max(0, min(e, oe) - max(s, os_)) for s, e in spans for os_, oe in others)
    return inside / total if total else 0.0


def settle_competing_translations(found: list[tuple[int, int, Pair]], langs: list[str | None]) -> list[tuple[int, int, Pair]]:
    """A translation has one source: of partners in one language that are not copies of one another and explain
    the same stretch of it, those matching clearly worse than the best are reports of the same story
    (COMPETING_OVERLAP, COMPETING_MARGIN). Only for the side a pair explains (its coverage at least the partner's):
    a source translated twice keeps both translations."""
    copies = {frozenset((i, j)) for i, j, p in found if p.kind.is_copy}
    by_doc: dict[int, list[int]] = {}
    for n, (i, j, pair) in enumerate(found):
        if pair.kind is Kind.TRANSLATION:
            by_doc.setdefault(i, []).append(n)
            by_doc.setdefault(j, []).append(n)
    demoted: set[int] = set()
    for d, rows in by_doc.items():
        if len(rows) < 2:
            continue
        entries = []
        for n in rows:
            i, j, pair = found[n]
            partner = j if i == d else i
            doc_id = pair.a if i == d else pair.b
            spans, cover = _side(pair, doc_id)
            _, partner_cover = _side(pair, pair.b if i == d else pair.a)
            if cover >= partner_cover:
                entries.append((_mean_score(pair, doc_id), n, partner, spans))
        entries.sort(key=lambda e: -e[0])
        for k, (score, n, partner, spans) in enumerate(entries):
            for best_score, _, best_partner, best_spans in entries[:k]:
                if (score < best_score - COMPETING_MARGIN and langs[partner] == langs[best_partner]
                        and frozenset((partner, best_partner)) not in copies
                        and _overlap(spans, best_spans) >= COMPETING_OVERLAP):
                    demoted.add(n)
                    break
    return [(i, j, as_same_story(p)) if n in demoted else (i, j, p) for n, (i, j, p) in enumerate(found)]
