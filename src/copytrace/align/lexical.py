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
from copytrace.fingerprint.tokens import shingle_hashes

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
    offsets_a = np.array([0, len(a)], np.int64)
    offsets_b = np.array([0, len(b)], np.int64)
    sa, _ = shingle_hashes(a.hashes, offsets_a, SEED_WORDS)
    sb, _ = shingle_hashes(b.hashes, offsets_b, SEED_WORDS)
    if len(sa) == 0 or len(sb) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.argsort(sb, kind="stable")
    sorted_b = sb[order]
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


def _runs(i: np.ndarray, j: np.ndarray) -> list[list[int]]:
    """Chains of seeds on one diagonal: [a_first, a_last, b_first, b_last, n_seeds]."""
    diag = j - i
    order = np.lexsort((i, diag))
    i, diag = i[order], diag[order]
    breaks = np.flatnonzero((np.diff(diag) != 0) | (np.diff(i) > MAX_GAP)) + 1
    runs = []
    for chunk_i, chunk_d in zip(np.split(i, breaks), np.split(diag, breaks)):
        a_first, a_last, d = int(chunk_i[0]), int(chunk_i[-1]), int(chunk_d[0])
        runs.append([a_first, a_last, a_first + d, a_last + d, len(chunk_i)])
    runs.sort()
    return runs


def _merge(runs: list[list[int]]) -> list[list[list[int]]]:
    """Groups of runs that continue one another in both texts."""
    groups: list[list[list[int]]] = []
    for run in runs:
        for group in reversed(groups[-8:]):
            last = group[-1]
            gap_a = run[0] - last[1]
            gap_b = run[2] - last[3]
            drift = abs((run[2] - run[0]) - (last[2] - last[0]))
            if -SEED_WORDS <= gap_a <= MAX_GAP and -SEED_WORDS <= gap_b <= MAX_GAP and drift <= MAX_DRIFT:
                group.append(run)
                break
        else:
            groups.append([run])
    return groups


def _covered(firsts: list[int], lasts: list[int]) -> np.ndarray:
    return np.unique(np.concatenate([np.arange(f, l + SEED_WORDS) for f, l in zip(firsts, lasts)]))


def align_verbatim(a: TextView, b: TextView) -> list[TokenPassage]:
    """Passages of A copied verbatim (up to small edits) into B."""
    i, j = _seeds(a, b)
    if len(i) == 0:
        return []
    passages = []
    for group in _merge(_runs(i, j)):
        covered_a = _covered([r[0] for r in group], [r[1] for r in group])
        covered_b = _covered([r[2] for r in group], [r[3] for r in group])
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
