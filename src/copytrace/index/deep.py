"""Deep semantic mode in the index: the indexed documents a batch copies on meaning alone, found through the
sentence vectors each segment keeps.

A copy that shares no key with its source (a translation or paraphrase with names and numbers rewritten) is in no
neighbourhood the key probes find (index.snapshot). An add or query in deep mode therefore embeds every sentence of
its batch once and nominates pairs exactly as a scan's deep mode would over the index and the batch together
(candidates.deep): each new sentence's deep_top_k nearest sentences among every live kept sentence and the batch's,
then, for each indexed sentence found near one, its own deep_top_k nearest over the same set, so that the mutual
links (candidates.deep.mutual) are those of the whole corpus and not of a neighbourhood; the pairs with at least
deep_min_sentences links in order (candidates.deep.ordered_pairs) are nominated, and their indexed documents join
the neighbourhood, where alignment and kinds decide as for any candidate. A removed document's sentences are never
anyone's neighbour (tombstones: document -1).

The search is exact (candidates.deep.nearest: blocked matrix products, a segment at a time, the best k kept across
them), not an approximate vector index: answers equal to a scan's, no dependency, and what the GPU path does anyway.
Cost per batch: (new sentences + their indexed neighbours) x every kept sentence; deep mode on a CPU is for small
indexes.
"""
from __future__ import annotations

import numpy as np

from copytrace.candidates.deep import KeptSentences, best_of, mutual, near_edges, nearest, ordered_pairs
from copytrace.config import CandidateConfig, EngineConfig
from copytrace.index.snapshot import Snapshot


def deep_pairs(
    snapshot: Snapshot, kept: list[KeptSentences], batch: KeptSentences, batch_documents: int, old_only: bool,
    config: CandidateConfig, sizes: EngineConfig, device: str,
) -> np.ndarray:
    """Pair keys (global numbers: the snapshot's documents, then the batch's after them) of the pairs deep mode
    nominates that involve a batch document (with old_only, each with an indexed one: a query). `kept`: each
    segment's sentences (rows of the segment); `batch`: the batch's, documents numbered from 0."""
    first_new = len(snapshot)
    parts = [(s.vectors, numbers[np.asarray(s.doc)], np.asarray(s.pos)) for s, numbers in zip(kept, snapshot.numbers)]
    parts.append((batch.vectors, np.asarray(batch.doc, np.int64) + first_new, np.asarray(batch.pos)))
    offsets = np.cumsum([0] + [len(doc) for _, doc, _ in parts])
    doc_of = np.concatenate([doc for _, doc, _ in parts])
    pos_of = np.concatenate([pos for _, _, pos in parts])
    k = config.deep_top_k

    def search(queries: np.ndarray, query_doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cos = np.full((len(queries), 0), -np.inf, np.float32)
        idx = np.zeros((len(queries), 0), np.int64)
        for (vectors, doc, _), offset in zip(parts, offsets.tolist()):
            if len(doc):
                c, i = nearest(queries, query_doc, vectors, doc, k, sizes, device)
                cos, idx = best_of(np.concatenate([cos, c], axis=1), np.concatenate([idx, i + offset], axis=1), k)
        return cos, idx

    first_batch_row = int(offsets[-2])
    new_rows = first_batch_row + np.arange(len(batch))
    src, dst = near_edges(*search(np.asarray(batch.vectors, np.float32), doc_of[new_rows]), config.deep_min_cosine)
    src = new_rows[src]
    reached = np.unique(dst[dst < first_batch_row])  # the indexed sentences near a new one: are they near it too?
    if len(reached):
        part = np.searchsorted(offsets, reached, side="right") - 1
        vectors = np.concatenate([np.asarray(parts[p][0][reached[part == p] - offsets[p]], np.float32)
                                  for p in np.unique(part).tolist()])
        back_src, back_dst = near_edges(*search(vectors, doc_of[reached]), config.deep_min_cosine)
        src, dst = np.concatenate([src, reached[back_src]]), np.concatenate([dst, back_dst])
    if len(src) == 0:
        return np.zeros(0, np.int64)
    src, dst = mutual(src, dst)  # src < dst: a link involving a new sentence has it as dst
    keep = dst >= first_batch_row
    if old_only:
        keep &= src < first_batch_row
    src, dst = src[keep], dst[keep]
    live = doc_of >= 0
    per_doc = np.bincount(doc_of[live], minlength=first_new + batch_documents)
    return ordered_pairs(doc_of[src], pos_of[src], doc_of[dst], pos_of[dst], per_doc, config.deep_min_sentences)
