"""Nearest neighbours across languages on document embeddings, among the documents anchors point to.

Only for corpora in more than one language. A document's vector is the multilingual embedding of its lead (`lead`: first
sentence, at most LEAD_CHARS characters): news translations and their sources open alike, in any language (tune
split: the source's lead was the nearest English lead for 17 of 21 hand-made translations). Embedding every lead of
a corpus would double the cost of a scan, so each document outside the main language is compared with its
SHORTLIST partners by rare anchors (candidates.crosslingual) and keeps the TOP_K nearest at cosine >= MIN_COSINE
(copies with one lead count once): a wide anchor net, narrowed by meaning. A document whose anchors bridge to no
other language (candidates.crosslingual.weakly_anchored: names in another script) is compared with the lead of
every document in another language instead (`lead_neighbours`): the leads of the whole corpus are then embedded,
once, which costs about as much again as a scan with every layer, and only for corpora that hold such documents.
"""
from __future__ import annotations

import numpy as np

from copytrace.align.sentences import sentence_starts
from copytrace.arrays import unique_values
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.fingerprint.tokens import tokenize

LEAD_CHARS = 160
MIN_LEAD_WORDS = 8
SHORTLIST = 50
TOP_K = 3
MIN_COSINE = 0.5


def lead(text: str) -> str:
    """The first sentence of a text of at least MIN_LEAD_WORDS words (Chinese and Japanese: characters), cut at
    LEAD_CHARS: a dateline ("MOSCOW, March 29. /TASS/.") says nothing of the story and is the same in all of an
    agency's stories."""
    head = text.strip()[: 4 * LEAD_CHARS]
    bounds = sentence_starts(head).tolist() + [len(head)]
    sentences = [head[start:end].strip() for start, end in zip(bounds, bounds[1:])]
    words = np.diff(tokenize(sentences).doc_offsets) if sentences else []
    for sentence, n in zip(sentences, words):
        if n >= MIN_LEAD_WORDS:
            return sentence[:LEAD_CHARS]
    return head[:LEAD_CHARS]


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


def lead_neighbours(docs: np.ndarray, vectors: dict[int, np.ndarray], langs: list[str | None],
                    chunk: int = 256) -> np.ndarray:
    """Pair keys of each of `docs` with its TOP_K nearest leads (copies with one lead count once) at MIN_COSINE or
    more, among all documents with a vector in another language."""
    others = np.array(sorted(vectors), dtype=np.int64)
    docs = np.asarray([d for d in docs.tolist() if d in vectors], dtype=np.int64)
    if len(docs) == 0 or len(others) == 0:
        return np.empty(0, np.int64)
    matrix = np.stack([vectors[i] for i in others.tolist()])
    other_lang = np.array([langs[i] or "" for i in others.tolist()])
    wide = min(len(others), 4 * TOP_K)  # room for copies that tie
    out = []
    for start in range(0, len(docs), chunk):
        part = docs[start:start + chunk]
        cos = np.stack([vectors[d] for d in part.tolist()]) @ matrix.T
        cos[other_lang[None, :] == np.array([langs[d] or "" for d in part.tolist()])[:, None]] = -1.0
        best = np.argpartition(-cos, wide - 1, axis=1)[:, :wide]
        score = np.take_along_axis(cos, best, axis=1)
        order = np.argsort(-score, axis=1, kind="stable")
        best, score = np.take_along_axis(best, order, axis=1), np.take_along_axis(score, order, axis=1)
        group = np.repeat(np.arange(len(part)), wide)
        keep = (distinct_rank(group, score.ravel()) < TOP_K) & (score.ravel() >= MIN_COSINE)
        out.append(pair_keys(np.repeat(part, wide)[keep], others[best.ravel()[keep]]))
    return unique_values(np.concatenate(out))
