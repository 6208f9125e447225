"""Furniture inside the text: passages a site prints into every article ("Do you have information you want to share
with the Huffington Post?"), with no line break to remove them by.

A shingle held by many documents is either such furniture or a story copied many times. The holders tell which:
copies of one story resemble each other as wholes, articles sharing only furniture do not. So a shingle held by at
least MIN_HOLDERS documents whose holders, sampled in pairs, agree on under MAX_HOLDER_JACCARD of their MinHash
rows on average, is furniture. Works on the sampled shingles (1 in SAMPLE_MODULUS), which is enough to mark any
furniture passage of a few dozen words. The holder threshold grows with the corpus (MIN_HOLDER_SHARE).
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import argsort_keys

MIN_HOLDERS = 8
#: ... and at least this share of the corpus: in a large corpus a common phrase is held by dozens of unrelated
#: texts without being anyone's furniture (at 200k documents, 8 holders masked so much text that 9% of the planted
#: near-duplicates of the speed corpus went unseen).
MIN_HOLDER_SHARE = 0.0005
MAX_HOLDER_JACCARD = 0.3
#: holder pairs compared per shingle: (0,1), (2,3), ... of its first holders.
HOLDER_PAIRS = 4


def furniture_shingles(sample_doc: np.ndarray, sample_hash: np.ndarray, signatures: np.ndarray) -> np.ndarray:
    """Sorted uint64 hashes of the sampled shingles judged furniture."""
    if len(sample_hash) == 0:
        return np.empty(0, np.uint64)
    order = argsort_keys(sample_hash)
    docs, hashes = sample_doc[order], sample_hash[order]
    starts = np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(hashes)])))
    n_docs = int(sample_doc.max()) + 1
    common = starts[sizes >= max(MIN_HOLDERS, MIN_HOLDER_SHARE * n_docs)]
    if len(common) == 0:
        return np.empty(0, np.uint64)
    agreement = np.zeros(len(common))
    for k in range(HOLDER_PAIRS):
        x, y = docs[common + 2 * k], docs[common + 2 * k + 1]
        agreement += (signatures[x] == signatures[y]).mean(axis=1)
    agreement /= HOLDER_PAIRS
    return np.sort(hashes[common[agreement < MAX_HOLDER_JACCARD]])
