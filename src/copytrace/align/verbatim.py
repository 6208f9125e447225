"""Verbatim passage alignment of a candidate pair: seed, extend, merge, filter (the PAN text-alignment pipeline).

1. seed: positions (i, j) where the seed_words-token shingle at i in A equals the one at j in B; shingles that
   recur more than max_seed_repeats times in both texts (refrains, lists) seed nothing, while a passage one text
   repeats and the other holds once seeds each of its copies;
2. extend: seeds on one diagonal (j - i) within max_gap tokens of each other chain into a run;
3. merge: runs that follow each other in both texts (gap <= max_gap, diagonal drift <= max_drift: a few words
   inserted or deleted) merge into one passage;
4. filter: passages with fewer than min_passage_words matched words are dropped.
(The numbers are AlignConfig's.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from copytrace import native
from copytrace.config import DEFAULTS, AlignConfig
from copytrace.text.view import TextView


@dataclass
class TokenPassage:
    """A passage in token coordinates: [a0, a1) in A, [b0, b1) in B, with `matched` tokens verbatim in both."""

    a0: int
    a1: int
    b0: int
    b1: int
    matched: int
    covered_a: np.ndarray  # token indices of A inside matched shingles
    covered_b: np.ndarray

    @property
    def score(self) -> float:
        return self.matched / max(self.a1 - self.a0, self.b1 - self.b0, 1)


def align_verbatim(a: TextView, b: TextView, config: AlignConfig = DEFAULTS.align) -> list[TokenPassage]:
    """Passages of A copied verbatim (up to small edits) into B. A passage spans its first to its last matched
    word on each side; `covered_a` / `covered_b` hold only the words matched verbatim, so a word swapped inside a
    passage is inside its span but not covered. The four steps run in copytrace's compiled core."""
    words = config.seed_words
    spans, covered_a, offsets_a, covered_b, offsets_b = native.align(
        a.seed_shingles(words), a.story, b.seed_shingles(words), b.story,
        words, config.max_seed_repeats, config.max_gap, config.max_drift, config.min_passage_words,
        config.merge_window,
    )
    passages = []
    for k, (a0, a1, b0, b1, matched) in enumerate(spans.tolist()):
        passages.append(TokenPassage(
            a0, a1, b0, b1, matched,
            covered_a[offsets_a[k]:offsets_a[k + 1]], covered_b[offsets_b[k]:offsets_b[k + 1]],
        ))
    return passages
