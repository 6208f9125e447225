"""Sorting and uniqueness for large arrays of 64-bit keys, which the candidate stage and alignment group constantly.

numpy's argsort of uint64 is a comparison sort, and np.unique without return_counts takes a hash-table path
(numpy 2.x) that was up to 50x slower than sorting on this project's machine; so keys are ordered by
copytrace._native's radix sort, and made unique by sorting and comparing neighbours.
"""
from __future__ import annotations

import bisect

import numpy as np

from copytrace import native


def argsort_keys(keys: np.ndarray) -> np.ndarray:
    """Stable order of 64-bit keys (uint64, or int64 that are never negative); keys already in order cost a pass."""
    if len(keys) < 2 or bool((keys[1:] >= keys[:-1]).all()):
        return np.arange(len(keys))
    return native.argsort_u64(keys)


def prefix_sums(values: np.ndarray) -> np.ndarray:
    """[0, v0, v0 + v1, ...]: the sum of any run of values [i, j) is out[j] - out[i]."""
    return np.concatenate(([0], np.cumsum(values)))


def _run_starts(sorted_values: np.ndarray) -> np.ndarray:
    return np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])) if len(sorted_values) else np.zeros(0, bool)


def run_lengths(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal values starts in a sorted array, and how long it is."""
    starts = np.flatnonzero(_run_starts(sorted_values))
    return starts, np.diff(np.concatenate((starts, [len(sorted_values)])))


def unique_values(values: np.ndarray) -> np.ndarray:
    """np.unique(values), by a sort."""
    s = np.sort(values)
    return s[_run_starts(s)]


def unique_first(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_index=True) for 64-bit keys: the distinct values and where each first occurs."""
    order = argsort_keys(values)
    first = _run_starts(values[order])
    return values[order[first]], order[first]


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) for 64-bit keys."""
    order = argsort_keys(values)
    s = values[order]
    starts = _run_starts(s)
    inverse = np.empty(len(values), np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return s[starts], inverse


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit affects every output bit."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def distinct_holdings(docs: np.ndarray, keys: np.ndarray, *extra: np.ndarray) -> tuple[np.ndarray, ...]:
    """(doc, key, *extra) rows with repeats of (doc, key) removed (the first kept), sorted by key: a document holds
    each key once, so a phrase repeated inside one text cannot pose as a passage shared with another."""
    if len(keys) == 0:
        return (docs, keys, *extra)
    with np.errstate(over="ignore"):
        held = mix64(keys ^ (docs.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)))
    _, first = unique_first(held)
    first = first[argsort_keys(keys[first])]
    return (docs[first], keys[first], *(x[first] for x in extra))


def longest_chain(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for v in values:
        k = bisect.bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
        else:
            tails[k] = v
    return len(tails)
