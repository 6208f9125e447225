"""Nearest neighbours across languages on document embeddings, among the documents anchors point to.

Only for corpora in more than one language. A document's vector is the multilingual embedding of its lead (first
sentence, at most LEAD_CHARS characters): news translations and their sources open alike, in any language (tune
split: the source's lead was the nearest English lead for 17 of 21 hand-made translations). Embedding every lead of
a corpus would double the cost of a scan, so each document outside the main language is compared with its
SHORTLIST partners by rare anchors (candidates.crosslingual) and keeps the TOP_K nearest at cosine >= MIN_COSINE:
a wide anchor net, narrowed by meaning.
"""
from __future__ import annotations

import re

import numpy as np

from copytrace.arrays import unique_values
from copytrace.candidates.groups import pair_keys, unpack_pair_keys

LEAD_CHARS = 160
SHORTLIST = 50
TOP_K = 3
MIN_COSINE = 0.5
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9À-ÖØ-Þ])")


def lead(text: str) -> str:
    """The first sentence of a text (or its first LEAD_CHARS characters)."""
    head = text.strip()[: 4 * LEAD_CHARS]
    return _FIRST_SENTENCE.split(head, maxsplit=1)[0][:LEAD_CHARS]


def shortlist_documents(shortlist: np.ndarray) -> np.ndarray:
    """The documents whose leads the shortlisted pairs need."""
    return unique_values(unpack_pair_keys(shortlist).ravel())


def neighbour_candidates(shortlist: np.ndarray, vectors: dict[int, np.ndarray]) -> np.ndarray:
    """Of the shortlisted pairs (pair keys), those among each document's TOP_K nearest leads at MIN_COSINE or more."""
    if len(shortlist) == 0:
        return shortlist
    rows = unpack_pair_keys(shortlist)
    cosine = np.array([float(vectors[i] @ vectors[j]) for i, j in rows.tolist()])
    keep = np.zeros(len(rows), bool)
    for side in (0, 1):
        order = np.lexsort((-cosine, rows[:, side]))
        doc = rows[order, side]
        first = np.concatenate(([True], doc[1:] != doc[:-1]))
        rank = np.arange(len(doc)) - np.maximum.accumulate(np.where(first, np.arange(len(doc)), 0))
        keep[order[rank < TOP_K]] = True
    keep &= cosine >= MIN_COSINE
    return pair_keys(rows[keep, 0], rows[keep, 1])
