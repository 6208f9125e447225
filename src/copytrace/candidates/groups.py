"""Pairs of documents that share a key: the one operation every candidate index needs."""
from __future__ import annotations

import numpy as np

from copytrace.arrays import argsort_keys, run_lengths
from copytrace.config import DEFAULTS


def pair_keys(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """One int64 per unordered pair (low id in the high half), for np.unique-based counting and dedup."""
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return (lo.astype(np.int64) << 32) | hi.astype(np.int64)


def unpack_pair_keys(keys: np.ndarray) -> np.ndarray:
    return np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)


def _affordable_group(sizes: np.ndarray, max_group: int, max_rows: int) -> int:
    """The largest group size, up to max_group, whose keys (with all rarer ones) enumerate at most max_rows pairs
    (CandidateConfig.max_pair_rows: the rarest keys are kept, the commonest dropped until the pairs fit)."""
    counts = np.bincount(np.minimum(sizes, max_group + 1), minlength=max_group + 2)[: max_group + 1]
    group = np.arange(max_group + 1)
    rows = np.cumsum(counts * group * (group - 1) // 2)
    fits = np.flatnonzero(rows <= max_rows)
    return int(fits[-1]) if len(fits) else 1


def shared_key_rows(
    keys: np.ndarray, docs: np.ndarray, max_group: int, max_rows: int = DEFAULTS.candidates.max_pair_rows
) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (r, s) of the inputs whose key is equal and whose documents differ: one per (shared key, pair of
    documents holding it). Each document should hold a key at most once.

    A key held by more than max_group documents is too common to mean anything (passim ignores n-grams with document
    frequency above 100): it is dropped, which keeps the pair count linear in the corpus."""
    if len(keys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = argsort_keys(keys)
    k, d = keys[order], docs[order]
    starts, sizes = run_lengths(k)
    max_group = _affordable_group(sizes, max_group, max_rows)
    run_end = np.repeat(starts + sizes, sizes)
    usable = np.repeat((sizes >= 2) & (sizes <= max_group), sizes)
    rows_r, rows_s = [], []
    longest = int(sizes[sizes <= max_group].max(initial=1))
    positions = np.flatnonzero(usable)
    for step in range(1, longest):
        positions = positions[positions + step < run_end[positions]]
        if len(positions) == 0:
            break
        keep = positions[d[positions] != d[positions + step]]
        rows_r.append(order[keep])
        rows_s.append(order[keep + step])
    if not rows_r:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows_r), np.concatenate(rows_s)


def pairs_sharing_keys(
    keys: np.ndarray, docs: np.ndarray, max_group: int, max_rows: int = DEFAULTS.candidates.max_pair_rows
) -> np.ndarray:
    """Pair keys (see pair_keys), one per (shared key, pair of documents holding it); a pair sharing n keys appears
    n times, so callers can count."""
    r, s = shared_key_rows(keys, docs, max_group, max_rows)
    return pair_keys(docs[r], docs[s])


def count_pairs(pair_key_list: np.ndarray, min_count: int) -> np.ndarray:
    """Distinct pair keys occurring at least min_count times."""
    if len(pair_key_list) == 0:
        return pair_key_list
    uniq, counts = np.unique(pair_key_list, return_counts=True)
    return uniq[counts >= min_count]
