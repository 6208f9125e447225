"""Verbatim passage alignment of a candidate pair: seed, extend, merge, filter (the PAN text-alignment pipeline).

1. seed: positions (i, j) where the SEED_WORDS-token shingle at i in A equals the one at j in B; shingles that
   recur more than MAX_SEED_REPEATS times in B (refrains, lists) seed nothing;
2. extend: seeds on one diagonal (j - i) within MAX_GAP tokens of each other chain into a run;
3. merge: runs that follow each other in both texts (gap <= MAX_GAP, diagonal drift <= MAX_DRIFT: a few words
   inserted or deleted) merge into one passage;
4. filter: passages with fewer than MIN_PASSAGE_WORDS matched words are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from copytrace import _native
from copytrace.align.view import TextView

SEED_WORDS = 4
MAX_SEED_REPEATS = 4
MAX_GAP = 12
MAX_DRIFT = 8
#: a passage shorter than this (in matched words) is a stock phrase, not reuse.
MIN_PASSAGE_WORDS = 10
#: a run joins a passage only if it is among the MERGE_WINDOW most recently started ones: a passage still goes on
#: after up to seven stray matches elsewhere started passages of their own, and merging costs at most 8 checks a run.
MERGE_WINDOW = 8


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


def align_verbatim(a: TextView, b: TextView) -> list[TokenPassage]:
    """Passages of A copied verbatim (up to small edits) into B. A passage spans its first to its last matched
    word on each side; `covered_a` / `covered_b` hold only the words matched verbatim, so a word swapped inside a
    passage is inside its span but not covered. The four steps run in copytrace's compiled core."""
    found = _native.align(
        a.seed_shingles, a.story, b.seed_shingles, b.story,
        SEED_WORDS, MAX_SEED_REPEATS, MAX_GAP, MAX_DRIFT, MIN_PASSAGE_WORDS, MERGE_WINDOW,
    )
    spans, covered_a, offsets_a, covered_b, offsets_b = (np.frombuffer(x, np.int64) for x in found)
    passages = []
    for k, (a0, a1, b0, b1, matched) in enumerate(spans.reshape(-1, 5).tolist()):
        passages.append(TokenPassage(
            a0, a1, b0, b1, matched,
            covered_a[offsets_a[k]:offsets_a[k + 1]], covered_b[offsets_b[k]:offsets_b[k + 1]],
        ))
    return passages
