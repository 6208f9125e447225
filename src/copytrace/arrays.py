"""Sorting and uniqueness for large arrays of 64-bit keys, which the candidate stage and alignment group constantly.

numpy's argsort of uint64 is a comparison sort, and np.unique without return_counts takes a hash-table path
(numpy 2.x) that was up to 50x slower than sorting on this project's machine; so keys are ordered by
copytrace._native's radix sort, and made unique by sorting and comparing neighbours.
"""
from __future__ import annotations

import numpy as np

from copytrace import _native


def argsort_keys(keys: np.ndarray) -> np.ndarray:
    """Stable order of 64-bit keys (uint64, or int64 that are never negative); keys already in order cost a pass."""
    if len(keys) < 2 or bool((keys[1:] >= keys[:-1]).all()):
        return np.arange(len(keys))
    return np.frombuffer(_native.argsort_u64(np.ascontiguousarray(keys).view(np.uint64)), np.int64)


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
