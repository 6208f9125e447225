"""The compiled core's one wrapper: every call into copytrace._native, numpy arrays in and out.

The core works on raw buffers and returns bytes; here each entry point gets its numpy types, and every number that
decides something arrives as an argument (config.py holds the values).
"""
from __future__ import annotations

import numpy as np

from copytrace import _native


def tokenize(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hashes u64, starts i64, ends i64, flags u8, doc_offsets i64, exact u64 writable) of a batch of texts."""
    hashes, starts, ends, flags, doc_offsets, exact = _native.tokenize(list(texts))
    return (np.frombuffer(hashes, np.uint64), np.frombuffer(starts, np.int64), np.frombuffer(ends, np.int64),
            np.frombuffer(flags, np.uint8), np.frombuffer(doc_offsets, np.int64),
            np.frombuffer(exact, np.uint64).copy())  # writable: fingerprints replace some


def shingles(hashes: np.ndarray, doc_offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    found, offsets = _native.shingles(
        np.ascontiguousarray(hashes, np.uint64), np.ascontiguousarray(doc_offsets, np.int64), k
    )
    return np.frombuffer(found, np.uint64), np.frombuffer(offsets, np.int64)


def minhash(shingle_hashes: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """(n_docs, num_perm) uint32 signatures."""
    return np.frombuffer(_native.minhash(shingle_hashes, offsets, num_perm, seed), np.uint32).reshape(-1, num_perm)


def member(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    found = _native.member(np.ascontiguousarray(values, np.uint64), np.ascontiguousarray(keys, np.uint64))
    return np.frombuffer(found, np.bool_)


def equal_ranges(haystack: np.ndarray, needles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) i64: numpy.searchsorted(haystack, needles, "left") and "right" for sorted u64 keys (a memory map's
    too: it is not copied), with the searches' cache misses overlapped."""
    if haystack.dtype != np.uint64:  # converting a key index would copy all of it
        raise TypeError(f"equal_ranges searches u64 keys, not {haystack.dtype}")
    lo, hi = _native.equal_ranges(np.ascontiguousarray(haystack), np.ascontiguousarray(needles, np.uint64))
    return np.frombuffer(lo, np.int64), np.frombuffer(hi, np.int64)


def argsort_u64(keys: np.ndarray) -> np.ndarray:
    return np.frombuffer(_native.argsort_u64(np.ascontiguousarray(keys).view(np.uint64)), np.int64)


def line_table(text: str, max_chars: int, max_words: int):
    return _native.line_table(text, max_chars, max_words)


def line_keys(texts: list[str], max_chars: int, max_words: int) -> np.ndarray:
    return np.frombuffer(_native.line_keys(texts, max_chars, max_words), np.uint64)


def quote_bounds(text: str, max_chars: int, min_single_chars: int) -> np.ndarray:
    return np.frombuffer(_native.quote_bounds(text, max_chars, min_single_chars), np.int64)


def align(seeds_a: np.ndarray, story_a: np.ndarray, seeds_b: np.ndarray, story_b: np.ndarray, seed_words: int,
          max_repeats: int, max_gap: int, max_drift: int, min_words: int, merge_window: int) -> tuple[np.ndarray, ...]:
    """(passages (n, 5) i64, covered_a, offsets_a, covered_b, offsets_b)."""
    found = _native.align(seeds_a, story_a, seeds_b, story_b, seed_words, max_repeats, max_gap, max_drift, min_words,
                          merge_window)
    spans, covered_a, offsets_a, covered_b, offsets_b = (np.frombuffer(x, np.int64) for x in found)
    return spans.reshape(-1, 5), covered_a, offsets_a, covered_b, offsets_b
