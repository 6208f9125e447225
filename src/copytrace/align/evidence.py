"""What an alignment amounts to: how much of each side its passages or matched sentences cover, and how they were
made. Measurements only; what kind of relation they show is classify's to say."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from copytrace.align.sentences import SentenceMatch, in_order_share, sentence_blocks
from copytrace.align.verbatim import TokenPassage
from copytrace.arrays import unique_values
from copytrace.config import DEFAULTS, ClassifyConfig
from copytrace.document import Kind, Passage
from copytrace.text.view import TextView
from copytrace.text.words import is_function

#: a sentence of fewer content words than this is contained anywhere (content_containment)
MIN_CONTAINED_WORDS = 5


def unit(x: float) -> float:
    """x clamped to [0, 1]: a score."""
    return float(min(max(x, 0.0), 1.0))


@dataclass
class VerbatimEvidence:
    """What the verbatim passages of a pair amount to."""

    passages: list[TokenPassage]
    coverage_a: float
    coverage_b: float
    free_words: int  # matched words outside quotations (the smaller side's count)
    quoted_words: int
    #: one side's aligned text lies in a single passage: that side was copied in one piece, however often the other
    #: repeats it, and nothing in it was reordered
    one_piece: bool = False
    a: TextView | None = field(default=None, repr=False)
    covered_a: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def edits(self) -> tuple[float, float]:
        """(share of A's aligned sentences with words swapped inside, share of their words swapped). Computed on
        demand: it needs A's sentence table, which the lexical layer alone never builds."""
        return (0.0, 0.0) if self.a is None else _edits(self.a, self.covered_a)

    def edits_within(self, a: TextView, first: int, last: int) -> tuple[float, float]:
        """edits over A's sentences first..last (inclusive), every one of them counted, however little of it the
        passages cover: how much of a stretch that a sentence alignment matched was rewritten."""
        covered = np.zeros(0, np.int64) if self.covered_a is None else self.covered_a
        return _edits(a, covered, (first, last))

    @classmethod
    def of(cls, a: TextView, b: TextView, passages: list[TokenPassage]) -> VerbatimEvidence:
        if not passages:
            return cls([], 0.0, 0.0, 0, 0)
        covered_a, covered_b = _union([p.covered_a for p in passages]), _union([p.covered_b for p in passages])
        free = min(len(covered_a) - np.count_nonzero(a.in_quote[covered_a]),
                   len(covered_b) - np.count_nonzero(b.in_quote[covered_b]))
        quoted = min(len(covered_a), len(covered_b)) - free
        coverage_a, coverage_b = a.coverage(covered_a), b.coverage(covered_b)
        one_piece = any(max(side.coverage(c) for c in covered) >= whole - 1e-9 for side, covered, whole in (
            (a, [p.covered_a for p in passages], coverage_a), (b, [p.covered_b for p in passages], coverage_b)))
        return cls(passages, coverage_a, coverage_b, free, quoted, one_piece, a, covered_a)


def _union(covered: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct token positions of several passages (each already sorted and distinct)."""
    return covered[0] if len(covered) == 1 else unique_values(np.concatenate(covered))


def _edits(a: TextView, covered: np.ndarray, within: tuple[int, int] | None = None) -> tuple[float, float]:
    """Of A's sentences mostly inside passages (or of its sentences `within`, first and last): the share with
    uncovered words inside, and the share of their words left uncovered. A spinner leaves holes in nearly every
    sentence, one word in ten or more; an editor's small changes touch a few sentences, a word here and there."""
    bounds = a.sentences.bounds
    if len(bounds) == 0:
        return 0.0, 0.0
    mask = np.zeros(len(a), np.int64)
    mask[covered] = 1
    story = a.story.astype(np.int64)
    hit = np.add.reduceat(mask * story, bounds[:, 0])
    total = np.add.reduceat(story, bounds[:, 0])
    if within is None:
        aligned = (total > 0) & (hit >= 0.5 * total)
    else:
        aligned = np.zeros(len(bounds), bool)
        aligned[within[0]:within[1] + 1] = total[within[0]:within[1] + 1] > 0
    if not aligned.any():
        return 0.0, 0.0
    edited = float(((hit < total) & aligned).sum() / aligned.sum())
    holes = float((total - hit)[aligned].sum() / total[aligned].sum())
    return edited, holes


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
        cov_a = float(ta.chars[ia].sum() / max(ta.document_chars, 1))
        cov_b = float(tb.chars[jb].sum() / max(tb.document_chars, 1))
        hows = [m.how for m in matches]
        na, nb = ta.document_usable_sentences, tb.document_usable_sentences
        sa, sb = ta.document_sentences, tb.document_sentences
        return cls(
            matches, cov_a, cov_b, in_order_share(matches), hows.count("skeleton") / len(hows),
            hows.count("meaning") / len(hows), min(sa, sb) / max(sa, sb, 1),
            len(matches) / max(min(na, nb), 1),
        )

    def shows_copy(self, a: TextView, b: TextView, config: ClassifyConfig = DEFAULTS.classify) -> bool:
        """Whether the alignment is a copy's: at least min_aligned_sentences matched (fewer when the shorter text has
        fewer) covering min_sentence_coverage of one side, and, when made on meaning, most of the shorter side's
        sentences (meaning_min_shorter_share). Which kind of copy is classify's to say."""
        shorter_sentences = min(a.sentences.document_usable_sentences, b.sentences.document_usable_sentences)
        needed = min(config.min_aligned_sentences, max(shorter_sentences, 1))
        if len(self.matches) < needed or max(self.coverage_a, self.coverage_b) < config.min_sentence_coverage:
            return False
        return not (self.by_meaning(config) and self.shorter_share < config.meaning_min_shorter_share)

    def by_meaning(self, config: ClassifyConfig = DEFAULTS.classify) -> bool:
        """Made mostly on meaning (embeddings), not on words."""
        return self.meaning_share >= config.meaning_majority

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
            out.append(Passage(a.char_span(int(sa), int(ea)), b.char_span(int(sb), int(eb)), kind, unit(score)))
        return out


@dataclass
class SentenceBlock:
    """A stretch of matched sentences close together in both texts (align.sentences.sentence_blocks): sentences
    [i0, i1] of A and [j0, j1] of B, inclusive, and what its matches amount to."""

    matches: list[SentenceMatch]
    i0: int
    i1: int
    j0: int
    j1: int
    sentences: int  # distinct matched sentences of the side with fewer
    density: float  # matched over usable sentences inside the block, the lower of the two sides
    in_order: float
    spun_share: float  # matches whose sentences meet the spinner's bars (SentenceMatch.spun)
    meaning_share: float
    sentence_ratio: float  # sentences of the block's shorter side over its longer side's
    score: float  # mean of the matches' scores
    coverage_a: float  # the block's share of each whole text
    coverage_b: float

    @classmethod
    def of(cls, a: TextView, b: TextView, matches: list[SentenceMatch]) -> SentenceBlock:
        ta, tb = a.sentences, b.sentences
        ia, jb = {m.i for m in matches}, {m.j for m in matches}
        i0, i1, j0, j1 = min(ia), max(ia), min(jb), max(jb)
        usable_a = int((ta.chars[i0:i1 + 1] > 0).sum())
        usable_b = int((tb.chars[j0:j1 + 1] > 0).sum())
        hows = [m.how for m in matches]
        na, nb = i1 - i0 + 1, j1 - j0 + 1
        return cls(
            matches, i0, i1, j0, j1, min(len(ia), len(jb)),
            min(len(ia) / max(usable_a, 1), len(jb) / max(usable_b, 1)), in_order_share(matches),
            sum(m.spun for m in matches) / len(matches), hows.count("meaning") / len(hows), min(na, nb) / max(na, nb),
            sum(m.score for m in matches) / len(matches),
            float(ta.chars[i0:i1 + 1].sum() / max(ta.document_chars, 1)),
            float(tb.chars[j0:j1 + 1].sum() / max(tb.document_chars, 1)),
        )

    def widened(self, a: TextView, b: TextView, config: ClassifyConfig = DEFAULTS.classify) -> SentenceBlock:
        """The block carried on at each end, a sentence at a time, over
        - a neighbouring sentence on each side where either is mostly a quotation (passage_quoted_share of its
          words) and their words, quoted ones included, meet passage_quote_min_dice: quotations are masked when
          sentences are matched (reports of one event share them), so a copied passage that opens or closes with a
          quotation matches only from its first sentence of story text; next to a block that is a copy, the same
          quotation in the same place on both sides is part of it;
        - a neighbouring sentence on one side whose content words lie mostly (passage_merged_min_containment) in the
          block's end sentence on the other: the rewriter merged the two into that one, which matches only one of
          them (sentences pair one to one).
        Its passage grows, not its coverage: neither is evidence of copying of its own."""
        quoted_a, quoted_b = quoted_shares(a), quoted_shares(b)
        na, nb = len(quoted_a), len(quoted_b)

        def quotation(k: int, l: int) -> bool:
            return (0 <= k < na and 0 <= l < nb and max(quoted_a[k], quoted_b[l]) >= config.passage_quoted_share
                    and word_dice(a, k, b, l) >= config.passage_quote_min_dice)

        def merged(x: TextView, k: int, n: int, y: TextView, l: int) -> bool:
            return 0 <= k < n and content_containment(x, k, y, l) >= config.passage_merged_min_containment

        i0, j0, i1, j1 = self.i0, self.j0, self.i1, self.j1
        while True:
            if quotation(i0 - 1, j0 - 1):
                i0, j0 = i0 - 1, j0 - 1
            elif merged(a, i0 - 1, na, b, j0):
                i0 -= 1
            elif merged(b, j0 - 1, nb, a, i0):
                j0 -= 1
            else:
                break
        while True:
            if quotation(i1 + 1, j1 + 1):
                i1, j1 = i1 + 1, j1 + 1
            elif merged(a, i1 + 1, na, b, j1):
                i1 += 1
            elif merged(b, j1 + 1, nb, a, i1):
                j1 += 1
            else:
                break
        return replace(self, i0=i0, i1=i1, j0=j0, j1=j1)

    def passage(self, a: TextView, b: TextView, kind: Kind) -> Passage:
        """The block as one passage: its first to its last sentence on each side."""
        ta, tb = a.sentences, b.sentences
        return Passage(a.char_span(int(ta.bounds[self.i0][0]), int(ta.bounds[self.i1][1])),
                       b.char_span(int(tb.bounds[self.j0][0]), int(tb.bounds[self.j1][1])), kind, unit(self.score))


def quoted_sentences(view: TextView) -> np.ndarray:
    """Which of a text's sentences lie wholly inside quotations (bool per sentence)."""
    bounds = view.sentences.bounds
    if len(bounds) == 0:
        return np.zeros(0, bool)
    outside = np.add.reduceat((~view.in_quote).astype(np.int64), bounds[:, 0])
    return (outside == 0) & (bounds[:, 1] > bounds[:, 0])


def quoted_shares(view: TextView) -> np.ndarray:
    """Of each of a text's sentences, the share of its words inside quotations."""
    bounds = view.sentences.bounds
    if len(bounds) == 0:
        return np.zeros(0)
    quoted = np.add.reduceat(view.in_quote.astype(np.int64), bounds[:, 0])
    return quoted / np.maximum(bounds[:, 1] - bounds[:, 0], 1)


def word_dice(a: TextView, k: int, b: TextView, l: int) -> float:
    """Dice coefficient of the distinct words of A's sentence k and B's sentence l, quotations included."""
    (a0, a1), (b0, b1) = a.sentences.bounds[k], b.sentences.bounds[l]
    words_a, words_b = np.unique(a.hashes[a0:a1]), np.unique(b.hashes[b0:b1])
    if len(words_a) + len(words_b) == 0:
        return 0.0
    return 2 * len(np.intersect1d(words_a, words_b, assume_unique=True)) / (len(words_a) + len(words_b))


def content_containment(x: TextView, k: int, y: TextView, l: int) -> float:
    """Share of the distinct content words of x's sentence k found in y's sentence l (0 for a sentence with fewer
    than MIN_CONTAINED_WORDS: a few words are found anywhere)."""
    (x0, x1), (y0, y1) = x.sentences.bounds[k], y.sentences.bounds[l]
    words_x, words_y = x.hashes[x0:x1], y.hashes[y0:y1]
    mine = np.unique(words_x[~is_function(words_x)])
    if len(mine) < MIN_CONTAINED_WORDS:
        return 0.0
    return len(np.intersect1d(mine, words_y)) / len(mine)


def sentence_blocks_of(a: TextView, b: TextView, ev: SentenceEvidence, max_gap: int) -> list[SentenceBlock]:
    """The blocks of a sentence alignment's matches (align.sentences.sentence_blocks, quoted sentences not counted
    in a gap), measured."""
    blocks = sentence_blocks(ev.matches, max_gap, ~quoted_sentences(a), ~quoted_sentences(b))
    return [SentenceBlock.of(a, b, block) for block in blocks]
