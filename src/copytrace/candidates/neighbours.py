"""Nearest neighbours across languages on document embeddings.

Only for corpora in more than one language. A document's vector is the multilingual embedding of its lead (`lead`:
its first sentence of min_lead_words words or more, at most lead_chars characters): news translations and their
sources open alike, in any language. Every lead of such a corpus is embedded, once. Each document outside the main
language is paired
- with its lead_top_k nearest leads among its lead_shortlist partners by rare anchors (candidates.crosslingual): a wide anchor
  net narrowed by meaning (`neighbour_candidates`);
- and with its lead_top_k nearest leads among all documents in other languages (`lead_neighbours`): a text in another
  script shares no name with its source, and a story that names no one no rare anchor (tune split: 20 of 87
  translations hold fewer than 3 bridging anchors held by at most 30 documents; the source of one ranked 101st by
  anchors and 1st by lead).
Copies with one lead count once. Embedding every lead costs about a quarter of a scan with every layer, and only in
multilingual corpora.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import unique_values
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.config import DEFAULTS, CandidateConfig
from copytrace.text.sentences import sentence_starts
from copytrace.text.tokens import tokenize


def lead(text: str, config: CandidateConfig = DEFAULTS.candidates) -> str:
    """The first sentence of a text of at least min_lead_words words (Chinese and Japanese: characters), cut at
    lead_chars: a dateline ("MOSCOW, March 29. /TASS/.") says nothing of the story and is the same in all of an
    agency's stories."""
    head = text.strip()[: 4 * config.lead_chars]
    bounds = sentence_starts(head).tolist() + [len(head)]
    sentences = [head[start:end].strip() for start, end in zip(bounds, bounds[1:])]
    words = np.diff(tokenize(sentences).doc_offsets) if sentences else []
    for sentence, n in zip(sentences, words):
        if n >= config.min_lead_words:
            return sentence[:config.lead_chars]
    return head[:config.lead_chars]


def distinct_rank(group: np.ndarray, score: np.ndarray, tie: float = 1e-6) -> np.ndarray:
    """Rank of each row among the distinct scores of its group (rows sorted by group, then score descending): rows
    scoring alike share a rank. A story republished word for word has the same lead and the same anchors in every
    copy; counted one by one, its copies would fill a document's lead_top_k and push the other candidates out."""
    if len(group) == 0:
        return np.zeros(0, np.int64)
    first = np.concatenate(([True], group[1:] != group[:-1]))
    new_score = first | np.concatenate(([True], np.abs(score[1:] - score[:-1]) > tie))
    steps = np.cumsum(new_score)
    return steps - steps[np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))]


def neighbour_candidates(
    shortlist: np.ndarray, vectors: dict[int, np.ndarray], config: CandidateConfig = DEFAULTS.candidates
) -> np.ndarray:
    """Of the shortlisted pairs (pair keys), those among each document's lead_top_k nearest leads at lead_min_cosine
    or more."""
    if len(shortlist) == 0:
        return shortlist
    rows = unpack_pair_keys(shortlist)
    cosine = np.array([float(vectors[i] @ vectors[j]) for i, j in rows.tolist()])
    # each document ranks all its partners, whichever side of the pair key it is on
    doc = np.concatenate((rows[:, 0], rows[:, 1]))
    both = np.concatenate((cosine, cosine))
    order = np.lexsort((-both, doc))
    near = np.zeros(len(doc), bool)
    near[order] = distinct_rank(doc[order], both[order]) < config.lead_top_k
    keep = near[: len(rows)] | near[len(rows):]
    keep &= cosine >= config.lead_min_cosine
    return pair_keys(rows[keep, 0], rows[keep, 1])


def lead_neighbours(docs: np.ndarray, vectors: dict[int, np.ndarray], langs: list[str | None],
                    config: CandidateConfig = DEFAULTS.candidates, chunk: int = 256) -> np.ndarray:
    """Pair keys of each of `docs` with its lead_top_k nearest leads (copies with one lead count once) at
    lead_min_cosine or more, among all documents with a vector in another language."""
    others = np.array(sorted(vectors), dtype=np.int64)
    docs = np.asarray([d for d in docs.tolist() if d in vectors], dtype=np.int64)
    if len(docs) == 0 or len(others) == 0:
        return np.empty(0, np.int64)
    matrix = np.stack([vectors[i] for i in others.tolist()])
    other_lang = np.array([langs[i] or "" for i in others.tolist()])
    wide = min(len(others), 4 * config.lead_top_k)  # room for copies that tie
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
        keep = (distinct_rank(group, score.ravel()) < config.lead_top_k) & (score.ravel() >= config.lead_min_cosine)
        out.append(pair_keys(np.repeat(part, wide)[keep], others[best.ravel()[keep]]))
    return unique_values(np.concatenate(out))
