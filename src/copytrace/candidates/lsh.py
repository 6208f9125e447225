"""MinHash LSH banding: documents whose signatures agree on all rows of at least one band become candidates.

With b bands of r rows, P(candidate | Jaccard s) = 1 - (1 - s^r)^b, an S-curve with its threshold near (1/b)^(1/r).
CandidateConfig's bands x rows = 42 x 3 puts the threshold near 0.29: P = 0.29 at s = 0.2, 0.68 at s = 0.3 (a later version of a
story sharing half its paragraphs, a repost diluted by furniture), 0.93 at s = 0.4, 1.0 at s >= 0.5. Set well
below the usual 0.7-0.8 because reposts and versions sit at low Jaccard; lower still (64 x 2, threshold 0.125)
nominated 3x more pairs on the speed corpus, all of them also found by the positional containment index
(candidates.shared), which is where partial copies of any Jaccard come from.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import mix64, unique_values
from copytrace.candidates.groups import pairs_sharing_keys
from copytrace.config import DEFAULTS, CandidateConfig


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n_docs, bands) uint64: one hash per band of rows values of each signature."""
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    with np.errstate(over="ignore"):
        acc = np.zeros(sig.shape[:2], np.uint64)
        for r in range(rows):
            acc = mix64(acc ^ sig[:, :, r] + np.uint64(r + 1))
        # the band number goes into the key: two documents meet only in the same band
        return mix64(acc + np.arange(bands, dtype=np.uint64)[None, :] * np.uint64(0x9E3779B97F4A7C15))


def lsh_candidates(
    signatures: np.ndarray, usable: np.ndarray, config: CandidateConfig = DEFAULTS.candidates, new_from: int = 0,
    max_bucket: int | None = None,
) -> np.ndarray:
    """Pair keys of documents colliding in at least one band (with new_from, only pairs with a document numbered
    new_from or above); `usable` masks documents that have shingles. A bucket
    of more than max_bucket documents is a family of exact copies or a degenerate text: the exact hash finds those
    pairs, and a quadratic bucket would cost more than the whole rest of the scan (`max_bucket`: the cap scaled to
    the corpus, CandidateConfig.doc_freq_cap)."""
    idx = np.flatnonzero(usable)
    if len(idx) < 2:
        return np.empty(0, np.int64)
    keys = band_keys(signatures[idx], config.bands, config.rows)
    docs = np.repeat(idx, config.bands)
    found = [unique_values(chunk) for chunk in pairs_sharing_keys(keys.ravel(), docs, max_bucket or config.max_bucket,
                                                                  config.max_pair_rows, new_from)]
    return np.concatenate(found) if found else np.empty(0, np.int64)
