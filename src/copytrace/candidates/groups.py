"""Pairs of documents that share a key: the one operation every candidate index needs."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from copytrace.arrays import argsort_keys, run_lengths
from copytrace.config import DEFAULTS


def pair_keys(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """One int64 per unordered pair (low id in the high half), for np.unique-based counting and dedup."""
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    return (lo.astype(np.int64) << 32) | hi.astype(np.int64)


def unpack_pair_keys(keys: np.ndarray) -> np.ndarray:
    return np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)


def shared_key_row_chunks(
    keys: np.ndarray, docs: np.ndarray, max_group: int, max_rows: int = DEFAULTS.candidates.max_pair_rows,
    new_from: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Row pairs (r, s) of the inputs whose key is equal and whose documents differ: one per (shared key, pair of
    documents holding it), r's document the lower. Each document should hold a key at most once.

    A key held by more than max_group documents is too common to mean anything (passim ignores n-grams with document
    frequency above 100): it is dropped. Every other shared key gives its rows, however large the corpus: the rows
    come in chunks of at most max_rows (CandidateConfig.max_pair_rows; one chunk when they all fit), each holding
    the rows whose lower document lies in one range of document numbers, the ranges in increasing order. So every
    row of a pair of documents is in one chunk, and a caller can count a pair's keys chunk by chunk in bounded
    memory. (This replaced a budget that dropped the commonest keys until the pairs fit: the budget was a number of
    rows for the whole corpus, so unrelated documents added to a corpus pushed out the keys of its copies, and a
    passage found at 100k documents was lost at 300k; issue 14.) With new_from, only the rows of pairs whose higher
    document is numbered new_from or above (an index's new batch with its neighbours: their own pairs were found
    before)."""
    if len(keys) == 0:
        return
    order = argsort_keys(keys)
    d = docs[order]
    starts, sizes = run_lengths(keys[order])
    run_end = np.repeat(starts + sizes, sizes)
    usable = (sizes >= 2) & (sizes <= max_group)
    positions = np.flatnonzero(np.repeat(usable, sizes))
    if len(positions) == 0:
        return
    longest = int(sizes[usable].max())
    later = run_end[positions] - positions - 1  # the rows whose first member a position is
    if int(later.sum()) <= max_rows:
        chunks = [positions]
    else:
        # each key's holders in document order, so that a row's first member is its lower document
        run_of = np.repeat(np.arange(len(sizes), dtype=np.uint64), sizes)[positions]
        within = positions[argsort_keys((run_of << np.uint64(32)) | d[positions].astype(np.uint64))]
        order = order.copy()  # (argsort_keys may hand back a read-only order)
        order[positions], d[positions] = order[within], d[within]
        rows_by_doc = np.bincount(d[positions], weights=later)
        chunk_of_doc = ((np.cumsum(rows_by_doc) - rows_by_doc) // max_rows).astype(np.int64)
        chunk = chunk_of_doc[d[positions]]
        by_chunk = np.argsort(chunk, kind="stable")
        chunks = np.split(positions[by_chunk], np.flatnonzero(np.diff(chunk[by_chunk])) + 1)
    del positions, later
    while chunks:
        chunk_positions = chunks.pop(0)
        rows_r, rows_s = [], []
        for step in range(1, longest):
            chunk_positions = chunk_positions[chunk_positions + step < run_end[chunk_positions]]
            if len(chunk_positions) == 0:
                break
            first, second = d[chunk_positions], d[chunk_positions + step]
            keep = chunk_positions[(first != second) & (np.maximum(first, second) >= new_from)] if new_from else \
                chunk_positions[first != second]
            rows_r.append(order[keep])
            rows_s.append(order[keep + step])
        if not chunks:  # the last chunk: the caller counts its rows without this index's arrays held beside them
            del order, d, run_end
        if rows_r:
            yield np.concatenate(rows_r), np.concatenate(rows_s)


def pairs_sharing_keys(
    keys: np.ndarray, docs: np.ndarray, max_group: int, max_rows: int = DEFAULTS.candidates.max_pair_rows,
    new_from: int = 0,
) -> Iterator[np.ndarray]:
    """Pair keys (see pair_keys), one per (shared key, pair of documents holding it), in the chunks of
    shared_key_row_chunks (a pair's keys all in one chunk); a pair sharing n keys appears n times, so callers can
    count."""
    for r, s in shared_key_row_chunks(keys, docs, max_group, max_rows, new_from):
        yield pair_keys(docs[r], docs[s])


def count_pairs(pair_key_list: np.ndarray, min_count: int) -> np.ndarray:
    """Distinct pair keys occurring at least min_count times."""
    if len(pair_key_list) == 0:
        return pair_key_list
    uniq, counts = np.unique(pair_key_list, return_counts=True)
    return uniq[counts >= min_count]
