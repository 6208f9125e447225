"""Containment candidates from an inverted index of sampled shingles (passim's approach).

Two documents sharing at least MIN_SHARED sampled shingles share a passage of roughly MIN_SHARED x SAMPLE_MODULUS
words, whatever the rest of either holds. Shingles held by more than MAX_DOC_FREQ documents are stock phrases
("the end of the year") or furniture and are ignored, as passim ignores n-grams of document frequency above 100.
"""
from __future__ import annotations

import numpy as np

from copytrace.candidates.groups import count_pairs, distinct_holdings, pairs_sharing_keys

MIN_SHARED = 3
MAX_DOC_FREQ = 50


def shared_shingle_candidates(
    sample_doc: np.ndarray, sample_hash: np.ndarray, min_shared: int = MIN_SHARED, max_doc_freq: int = MAX_DOC_FREQ
) -> np.ndarray:
    """Pair keys of documents sharing at least min_shared distinct sampled keys (shingles, skeleton n-grams...)."""
    if len(sample_hash) == 0:
        return np.empty(0, np.int64)
    docs, keys = distinct_holdings(sample_doc, sample_hash)
    return count_pairs(pairs_sharing_keys(keys, docs, max_doc_freq), min_shared)
