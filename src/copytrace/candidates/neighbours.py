"""Nearest neighbours across languages on document embeddings, among the documents anchors point to.

Only for corpora in more than one language. A document's vector is the multilingual embedding of its lead (first
sentence, at most LEAD_CHARS characters): news translations and their sources open alike, in any language (tune
split: the source's lead was the nearest English lead for 17 of 21 hand-made translations). Embedding every lead of
a corpus would double the cost of a scan, so each document outside the main language is compared with its
SHORTLIST partners by rare anchors (candidates.crosslingual) and keeps the TOP_K nearest at cosine >= MIN_COSINE
(copies with one lead count once): a wide anchor net, narrowed by meaning.
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


def distinct_rank(group: np.ndarray, score: np.ndarray, tie: float = 1e-6) -> np.ndarray:
    """Rank of each row among the distinct scores of its group (rows sorted by group, then score descending): rows
    scoring alike share a rank. A story republished word for word has the same lead and the same anchors in every
    copy; counted one by one, its copies would fill a document's TOP_K and push the other candidates out."""
    if len(group) == 0:
        return np.zeros(0, np.int64)
    first = np.concatenate(([True], group[1:] != group[:-1]))
    new_score = first | np.concatenate(([True], np.abs(score[1:] - score[:-1]) > tie))
    steps = np.cumsum(new_score)
    return steps - steps[np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))]


def neighbour_candidates(shortlist: np.ndarray, vectors: dict[int, np.ndarray]) -> np.ndarray:
    """Of the shortlisted pairs (pair keys), those among each document's TOP_K nearest leads at MIN_COSINE or more."""
    if len(shortlist) == 0:
        return shortlist
    rows = unpack_pair_keys(shortlist)
    cosine = np.array([float(vectors[i] @ vectors[j]) for i, j in rows.tolist()])
    # each document ranks all its partners, whichever side of the pair key it is on
    doc = np.concatenate((rows[:, 0], rows[:, 1]))
    both = np.concatenate((cosine, cosine))
    order = np.lexsort((-both, doc))
    near = np.zeros(len(doc), bool)
    near[order] = distinct_rank(doc[order], both[order]) < TOP_K
    keep = near[: len(rows)] | near[len(rows):]
    keep &= cosine >= MIN_COSINE
    return pair_keys(rows[keep, 0], rows[keep, 1])
