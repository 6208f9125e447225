"""The cascade for one candidate pair, from cheap to dear: verbatim passages; then a sentence alignment on skeleton
and content words (spin layer); then on meaning (semantic layer), only where the cheaper evidence leaves the
question open. What the evidence amounts to is classify's to say."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from copytrace.align.evidence import SentenceEvidence, VerbatimEvidence, quoted_sentences
from copytrace.align.meaning import meaning_matches
from copytrace.align.sentences import match_sentences, sentence_blocks
from copytrace.align.verbatim import align_verbatim
from copytrace.align.windows import windowed
from copytrace.cache import LruCache
from copytrace.clean import clean
from copytrace.config import DEFAULTS, LAYERS, Thresholds
from copytrace.text.view import TextView

#: what the candidate stage knows of a pair, as bit flags
EXACT = 1  # identical normalised texts
QUOTES_ONLY = 2  # nominated by the quotation index alone: the two quote the same words, and no index saw reuse


@dataclass
class Alignment:
    """A candidate pair's evidence: its verbatim passages and, where the layers and the cascade asked for one, its
    sentence alignment."""

    a: TextView
    b: TextView
    verbatim: VerbatimEvidence
    sentences: SentenceEvidence | None
    exact: bool
    quotes_only: bool


def needs_meaning(a: TextView, b: TextView, lexical: SentenceEvidence, thresholds: Thresholds = DEFAULTS) -> bool:
    """Embeddings are dear: only for pairs across languages, or where the lexical sentence evidence is suggestive
    but not conclusive (some sentences match, too few to show a copy)."""
    if a.lang and b.lang and a.lang != b.lang:
        return True
    if lexical.shows_copy(a, b, thresholds.classify):
        return False
    return max(lexical.coverage_a, lexical.coverage_b) >= thresholds.align.meaning_min_lexical_coverage


def align_pair(
    a: TextView, b: TextView, exact: bool, layers: tuple[str, ...] = LAYERS, quotes_only: bool = False,
    thresholds: Thresholds = DEFAULTS,
) -> Alignment:
    """The evidence for one candidate pair. A pair that only shares quotations (`quotes_only`) is aligned verbatim
    for its passages alone: it is two reports of one event (any reuse of 32 words or more would have put it in a
    copy-finding index). An exact copy is exact whatever its sentences say: no sentence work for it, nor for a pair
    whose verbatim passages already make it a near-duplicate. A long document is aligned only in the windows where
    the other's evidence lies (align.windows), and the Alignment holds that window view. A same-language pair the
    words leave open is matched on meaning whole (needs_meaning; around its blocks of matched sentences only when a
    side has more than meaning_whole_max_sentences sentences) or around its blocks (around_passages)."""
    a, b = windowed(a, b, thresholds.align)
    verbatim = VerbatimEvidence.of(a, b, align_verbatim(a, b, thresholds.align))
    sentences = None
    disguise = "spin" in layers or "semantic" in layers
    settled = exact or min(verbatim.coverage_a, verbatim.coverage_b) >= thresholds.classify.near_duplicate_min_coverage
    if disguise and not exact and not quotes_only:
        sentences = SentenceEvidence.of(a, b, match_sentences(a.sentences, b.sentences, config=thresholds.align))
        if not settled and "semantic" in layers and needs_meaning(a, b, sentences, thresholds):
            cross = bool(a.lang and b.lang and a.lang != b.lang)
            near = None
            if not cross and max(len(a.sentences), len(b.sentences)) > thresholds.align.meaning_whole_max_sentences:
                near = around_passages(a, b, sentences, thresholds, verbatim)
            sentences = SentenceEvidence.of(a, b, meaning_matches(a, b, cross, thresholds.align, near,
                                                                  sentences.matches))
        elif (not settled and "semantic" in layers and not sentences.shows_copy(a, b, thresholds.classify)
              and (near := around_passages(a, b, sentences, thresholds, verbatim)) is not None):
            # a disguised passage inside otherwise different texts: embedded only around its recognisable sentences
            sentences = SentenceEvidence.of(a, b, meaning_matches(a, b, False, thresholds.align, near))
    return Alignment(a, b, verbatim, sentences, exact, quotes_only)


def around_passages(
    a: TextView, b: TextView, lexical: SentenceEvidence, thresholds: Thresholds = DEFAULTS,
    verbatim: VerbatimEvidence | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where a disguised passage may lie in a pair the lexical evidence leaves open: around each block of at least
    passage_seed_matches lexically matched sentences (align.sentences.sentence_blocks), passage_reach sentences
    either side, on each side (masks of A's and B's sentences); None where no block is that large. A spun or
    reworded passage keeps some sentences recognisable by their words, and its others lie next to them, in both
    texts: only those are worth embedding. A block whose sentences of A all lie inside the `verbatim` passages is
    a passage copied word for word, which those passages already report: nothing around it is embedded (the masks
    may be empty; bench/longdoc.py: verbatim partial copies of long digests embedded 33-114 sentences each)."""
    config = thresholds.align
    blocks = [blk for blk in sentence_blocks(lexical.matches, thresholds.classify.passage_max_gap,
                                             ~quoted_sentences(a), ~quoted_sentences(b))
              if len({m.i for m in blk}) >= config.passage_seed_matches]
    if not blocks:
        return None
    copied = copied_sentences(a, verbatim)
    near_a, near_b = np.zeros(len(a.sentences), bool), np.zeros(len(b.sentences), bool)
    reach = config.passage_reach
    for blk in (blk for blk in blocks if not all(copied[m.i] for m in blk)):
        i, j = [m.i for m in blk], [m.j for m in blk]
        near_a[max(min(i) - reach, 0):max(i) + reach + 1] = True
        near_b[max(min(j) - reach, 0):max(j) + reach + 1] = True
    return near_a, near_b


def copied_sentences(a: TextView, verbatim: VerbatimEvidence | None) -> np.ndarray:
    """Which of A's sentences lie wholly inside the verbatim passages (none without them)."""
    bounds = a.sentences.bounds
    if verbatim is None or verbatim.covered_a is None or len(verbatim.covered_a) == 0:
        return np.zeros(len(bounds), bool)
    inside = np.zeros(len(a), np.int64)
    inside[verbatim.covered_a] = 1
    held = np.concatenate(([0], np.cumsum(inside)))
    return (bounds[:, 1] > bounds[:, 0]) & (held[bounds[:, 1]] - held[bounds[:, 0]] == bounds[:, 1] - bounds[:, 0])


def cleaned_view(
    doc_id: str, text: str, repeated: frozenset[int] = frozenset(), lang: str | None = None,
    thresholds: Thresholds = DEFAULTS,
) -> TextView:
    """The view of one text, cleaned (with the corpus's furniture lines `repeated`, if known), for alignment."""
    return TextView.build(doc_id, text, clean(text, repeated, thresholds.clean), lang=lang,
                          shingle_words=thresholds.fingerprint.shingle_words, config=thresholds.text)


class ViewCache:
    """TextViews of the documents pairs touch, built once each and kept for later pairs (least recently used go)."""

    def __init__(
        self, load: Callable[[int], tuple[str, str, str | None]], repeated: frozenset[int],
        furniture: np.ndarray | None = None, size: int = 256, thresholds: Thresholds = DEFAULTS,
    ) -> None:
        self.load, self.repeated, self.furniture, self.thresholds = load, repeated, furniture, thresholds
        self._views: LruCache[int, TextView] = LruCache(size)

    def _build(self, docs: list[tuple[str, str, str | None]]) -> list[TextView]:
        t = self.thresholds
        prepared = [(doc_id, text, clean(text, self.repeated, t.clean), lang) for doc_id, text, lang in docs]
        return TextView.build_many(prepared, self.furniture, t.fingerprint.shingle_words, t.text)

    def prefetch(self, indices: Sequence[int]) -> None:
        """Build the missing views among these in one batch."""
        missing = [i for i in dict.fromkeys(indices) if i not in self._views]
        if not missing:
            return
        for i, view in zip(missing, self._build([self.load(i) for i in missing])):
            self._views.put(i, view)

    def __call__(self, i: int) -> TextView:
        view = self._views.get(i)
        if view is None:
            view = self._build([self.load(i)])[0]
            self._views.put(i, view)
        return view
