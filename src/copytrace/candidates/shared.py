"""Candidates from inverted indexes of sampled keys that keep their positions (passim's approach, made positional).

Two documents sharing a passage share its sampled keys (word shingles, skeleton n-grams, content-word pairs) at
positions that keep a near-constant offset: the same diagonal of a dot plot. Two documents sharing only stock
phrases share a few samples scattered over the plot. So a pair is a candidate when at least `min_shared` of its
shared samples lie within `band` positions of one diagonal; a copied passage of min_shared x sample_modulus words
(~32 words) qualifies whatever the rest of either text holds (containment, which Jaccard banding misses). Keys held by more
than max_doc_freq documents are stock phrases or furniture and are ignored, as passim ignores n-grams of document
frequency above 100.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import unique_inverse
from copytrace.candidates.groups import pair_keys, shared_key_row_chunks


def shared_passage_candidates(
    docs: np.ndarray, keys: np.ndarray, positions: np.ndarray, min_shared: int, max_doc_freq: int, band: int,
    max_rows: int, new_from: int = 0,
) -> np.ndarray:
    """Pair keys of documents with at least min_shared shared samples on one diagonal (within band). Each document
    holds a key once (candidates.groups.distinct_holdings; the fingerprint stage sees to it). With new_from, only
    pairs with a document numbered new_from or above."""
    found = [_on_one_diagonal(docs, positions, r, s, min_shared, band)
             for r, s in shared_key_row_chunks(keys, docs, max_doc_freq, max_rows, new_from)]
    return np.concatenate(found) if found else np.empty(0, np.int64)


def _on_one_diagonal(
    docs: np.ndarray, positions: np.ndarray, r: np.ndarray, s: np.ndarray, min_shared: int, band: int
) -> np.ndarray:
    """Of the pairs of documents these rows hold every shared key of, those with min_shared on one diagonal: sorted
    pair keys (the chunks come in increasing order of their lower document, so their results join sorted)."""
    low_first = docs[r] < docs[s]
    lo, hi = np.where(low_first, r, s), np.where(low_first, s, r)
    pairs = pair_keys(docs[lo], docs[hi])
    diagonal = positions[hi].astype(np.int64) - positions[lo].astype(np.int64)
    uniq, pair_id = unique_inverse(pairs)
    # within one pair, count the samples whose diagonal lies in [d, d + band] for each sample's d
    composite = np.sort((pair_id.astype(np.int64) << 32) | (diagonal + (1 << 31)))
    on_band = np.searchsorted(composite, composite + band, side="right") - np.arange(len(composite))
    best = np.zeros(len(uniq), np.int64)
    np.maximum.at(best, composite >> 32, on_band)
    return uniq[best >= min_shared]
