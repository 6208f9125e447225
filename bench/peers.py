"""The datasketch peer: MinHash of word 5-gram shingles, as a user of datasketch
would run it, reused by every quality benchmark.

Containment from Jaccard: with J = |A∩B| / |A∪B| and the exact set sizes,
|A∩B| = J (|A| + |B|) / (1 + J), so containment_a = |A∩B| / |A| (the share of
A's shingles found in B). J is the MinHash estimate; the set sizes are exact
(they are known when the sketch is built).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import shingles  # noqa: E402

SEED = 1


def _minhash(shingle_set: set[str], num_perm: int):
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=SEED)
    m.update_batch(s.encode("utf-8") for s in shingle_set)
    return m


def containment_from_jaccard(j: float, size_a: int, size_b: int) -> tuple[float, float]:
    if size_a == 0 or size_b == 0:
        return 0.0, 0.0
    inter = j * (size_a + size_b) / (1 + j)
    return min(1.0, inter / size_a), min(1.0, inter / size_b)


def minhash_similarity(text_a: str, text_b: str, num_perm: int = 128, ngram: int = 5) -> tuple[float, float, float]:
    """(jaccard, containment_a, containment_b) estimated from MinHash sketches.
    containment_a is the share of text_a's shingles that text_b holds."""
    sa, sb = shingles(text_a, ngram), shingles(text_b, ngram)
    if not sa or not sb:
        return 0.0, 0.0, 0.0
    j = _minhash(sa, num_perm).jaccard(_minhash(sb, num_perm))
    ca, cb = containment_from_jaccard(j, len(sa), len(sb))
    return j, ca, cb


def minhash_union_containment(text: str, others: list[str], num_perm: int = 128, ngram: int = 5) -> float:
    """Estimated share of text's shingles found in the union of others' shingles
    (a merged MinHash of the others; union size counted exactly)."""
    st = shingles(text, ngram)
    union: set[str] = set()
    for o in others:
        union |= shingles(o, ngram)
    if not st or not union:
        return 0.0
    j = _minhash(st, num_perm).jaccard(_minhash(union, num_perm))
    return containment_from_jaccard(j, len(st), len(union))[0]


def minhash_pairs(
    docs: Iterable[tuple[str, str]], threshold: float = 0.7, num_perm: int = 128, ngram: int = 5
) -> list[tuple[str, str, float]]:
    """All pairs that MinHashLSH at `threshold` returns, with their estimated
    Jaccard, as (id_a, id_b, jaccard) with id_a < id_b. Like a typical user, the
    LSH candidates are reported as they come (no re-check against the threshold)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = {}
    for doc_id, text in docs:
        s = shingles(text, ngram)
        if not s or doc_id in sketches:
            continue
        m = _minhash(s, num_perm)
        sketches[doc_id] = m
        lsh.insert(doc_id, m)
    pairs = {}
    for doc_id, m in sketches.items():
        for other in lsh.query(m):
            if other == doc_id:
                continue
            key = (doc_id, other) if doc_id < other else (other, doc_id)
            if key not in pairs:
                pairs[key] = m.jaccard(sketches[other])
    return sorted((a, b, j) for (a, b), j in pairs.items())
