"""Candidates across languages: a translation shares its source's numbers and names, not its words.

Two documents in different languages sharing at least MIN_SHARED_ANCHORS anchors (numbers of two or more digits,
capitalised words), none of them common (held by more than MAX_DOC_FREQ documents), are candidates; each document
keeps its TOP_K partners by shared anchors. Alignment on sentence embeddings then decides.
"""
from __future__ import annotations

import numpy as np

from copytrace.candidates.groups import pair_keys, pairs_sharing_keys, unpack_pair_keys
from copytrace.fingerprint.tokens import mix64

MIN_SHARED_ANCHORS = 3
MAX_DOC_FREQ = 50
TOP_K = 5


def _top_k(pairs: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Pair keys kept when among the k best of either of their documents."""
    keep = np.zeros(len(pairs), bool)
    for side in (0, 1):
        order = np.lexsort((-counts, pairs[:, side]))
        doc = pairs[order, side]
        first = np.concatenate(([True], doc[1:] != doc[:-1]))
        rank = np.arange(len(doc)) - np.maximum.accumulate(np.where(first, np.arange(len(doc)), 0))
        keep[order[rank < k]] = True
    return pair_keys(pairs[keep, 0], pairs[keep, 1])


def crosslingual_candidates(anchor_doc: np.ndarray, anchor_hash: np.ndarray, langs: list[str | None]) -> np.ndarray:
    """Pair keys of documents in different languages that share uncommon anchors."""
    known = [lang for lang in langs if lang]
    if len(set(known)) < 2 or len(anchor_hash) == 0:
        return np.empty(0, np.int64)
    with np.errstate(over="ignore"):
        held = mix64(anchor_hash ^ (anchor_doc.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)))
    _, first = np.unique(held, return_index=True)
    shared = pairs_sharing_keys(anchor_hash[first], anchor_doc[first], MAX_DOC_FREQ)
    keys, counts = np.unique(shared, return_counts=True)
    pairs = unpack_pair_keys(keys)
    codes = {lang: n for n, lang in enumerate(sorted(set(known)))}
    lang_code = np.array([codes.get(lang, -1) for lang in langs])
    la, lb = lang_code[pairs[:, 0]], lang_code[pairs[:, 1]]
    ok = (counts >= MIN_SHARED_ANCHORS) & (la >= 0) & (lb >= 0) & (la != lb)
    return _top_k(pairs[ok], counts[ok], TOP_K)
