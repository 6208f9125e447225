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

from copytrace.align.view import TextView

SEED_WORDS = 4
MAX_SEED_REPEATS = 4
MAX_GAP = 12
MAX_DRIFT = 8
#: a passage shorter than this (in matched words) is a stock phrase, not reuse.
MIN_PASSAGE_WORDS = 10


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


def _seeds(a: TextView, b: TextView) -> tuple[np.ndarray, np.ndarray]:
    sa = a.seed_shingles
    sorted_b, order = b.seed_index
    if len(sa) == 0 or len(sorted_b) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lo = np.searchsorted(sorted_b, sa, "left")
    hi = np.searchsorted(sorted_b, sa, "right")
    count = hi - lo
    count[count > MAX_SEED_REPEATS] = 0
    count[~a.story[: len(sa)]] = 0  # furniture seeds nothing
    i = np.repeat(np.arange(len(sa)), count)
    # j: for each seed, the k-th match of its shingle in B
    within = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    j = order[np.repeat(lo, count) + within]
    keep = b.story[j]
    return i[keep], j[keep]


@dataclass
class _Run:
    """Seeds on one diagonal (j - i), each within MAX_GAP of the next."""

    seeds: np.ndarray  # positions in A
    diagonal: int

    @property
    def a_first(self) -> int:
        return int(self.seeds[0])

    @property
    def a_last(self) -> int:
        return int(self.seeds[-1])


def _runs(i: np.ndarray, j: np.ndarray) -> list[_Run]:
    diag = j - i
    order = np.lexsort((i, diag))
    i, diag = i[order], diag[order]
    breaks = np.flatnonzero((np.diff(diag) != 0) | (np.diff(i) > MAX_GAP)) + 1
    runs = [_Run(chunk, int(d[0])) for chunk, d in zip(np.split(i, breaks), np.split(diag, breaks))]
    runs.sort(key=lambda r: (r.a_first, r.diagonal))
    return runs


def _merge(runs: list[_Run]) -> list[list[_Run]]:
    """Groups of runs that continue one another in both texts."""
    groups: list[list[_Run]] = []
    for run in runs:
        for group in reversed(groups[-8:]):
            last = group[-1]
            gap_a = run.a_first - last.a_last
            gap_b = (run.a_first + run.diagonal) - (last.a_last + last.diagonal)
            drift = abs(run.diagonal - last.diagonal)
            if -SEED_WORDS <= gap_a <= MAX_GAP and -SEED_WORDS <= gap_b <= MAX_GAP and drift <= MAX_DRIFT:
                group.append(run)
                break
        else:
            groups.append([run])
    return groups


_SEED_SPAN = np.arange(SEED_WORDS)


def _covered(starts: np.ndarray) -> np.ndarray:
    """Token positions inside the seed shingles starting at `starts`: the words matched verbatim."""
    return np.unique((starts[:, None] + _SEED_SPAN).ravel())


def align_verbatim(a: TextView, b: TextView) -> list[TokenPassage]:
    """Passages of A copied verbatim (up to small edits) into B. A passage spans its first to its last matched
    word on each side; `covered_a` / `covered_b` hold only the words matched verbatim, so a word swapped inside a
    passage is inside its span but not covered."""
    i, j = _seeds(a, b)
    if len(i) == 0:
        return []
    passages = []
    for group in _merge(_runs(i, j)):
        seeds_a = np.concatenate([r.seeds for r in group])
        seeds_b = np.concatenate([r.seeds + r.diagonal for r in group])
        covered_a, covered_b = _covered(seeds_a), _covered(seeds_b)
        matched = min(len(covered_a), len(covered_b))
        if matched < MIN_PASSAGE_WORDS:
            continue
        passages.append(
            TokenPassage(
                a0=int(covered_a[0]), a1=int(covered_a[-1]) + 1, b0=int(covered_b[0]), b1=int(covered_b[-1]) + 1,
                matched=matched, covered_a=covered_a, covered_b=covered_b,
            )
        )
    return passages
