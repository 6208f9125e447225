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
- and each of its later stretches with the stretch_top_k nearest leads (`stretch_neighbours`): a passage
  translated from another text's opening and put inside a text of its own (a page mostly about another story)
  opens with a sentence like that text's lead, while the page's own lead and its anchors rank the reports of its
  own story first (tune split: 10 of 67 such passages' sources ranked 8th-196th by anchors, each 1st by a sentence
  of the page, at cosine 0.56-0.87).
Copies with one lead count once. Embedding every lead costs about a quarter of a scan with every layer, and only in
multilingual corpora; a stretch is one sentence of a foreign document.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import unique_values
from copytrace.candidates.groups import pair_keys, unpack_pair_keys
from copytrace.config import DEFAULTS, CandidateConfig
from copytrace.text.sentences import sentence_starts
from copytrace.text.tokens import tokenize


def _telling_sentences(text: str, config: CandidateConfig) -> list[str]:
    """A text's sentences of at least min_lead_words words (Chinese and Japanese: characters), each cut at
    lead_chars."""
    bounds = sentence_starts(text).tolist() + [len(text)]
    sentences = [text[start:end].strip() for start, end in zip(bounds, bounds[1:])]
    words = np.diff(tokenize(sentences).doc_offsets) if sentences else []
    return [sentence[:config.lead_chars] for sentence, n in zip(sentences, words) if n >= config.min_lead_words]


def lead(text: str, config: CandidateConfig = DEFAULTS.candidates) -> str:
    """The first sentence of a text of at least min_lead_words words (Chinese and Japanese: characters), cut at
    lead_chars: a dateline ("MOSCOW, March 29. /TASS/.") says nothing of the story and is the same in all of an
    agency's stories."""
    head = text.strip()[: 4 * config.lead_chars]
    telling = _telling_sentences(head, config)
    return telling[0] if telling else head[:config.lead_chars]


def stretch_leads(text: str, config: CandidateConfig = DEFAULTS.candidates) -> list[str]:
    """The sentence opening each stretch of a text after its lead: every later sentence of min_lead_words words or
    more, cut at lead_chars (the lead itself is compared as the document's, lead_neighbours)."""
    return _telling_sentences(text.strip(), config)[1:]


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
                    config: CandidateConfig = DEFAULTS.candidates) -> np.ndarray:
    """Pair keys of each of `docs` with its lead_top_k nearest leads (copies with one lead count once) at
    lead_min_cosine or more, among all documents with a vector in another language."""
    docs = np.asarray([d for d in docs.tolist() if d in vectors], dtype=np.int64)
    queries = np.stack([vectors[d] for d in docs.tolist()]) if len(docs) else np.zeros((0, 0), np.float32)
    return nearest_leads(docs, queries, vectors, langs, config.lead_top_k, config.lead_min_cosine)


def stretch_neighbours(docs: np.ndarray, stretches: np.ndarray, vectors: dict[int, np.ndarray],
                       langs: list[str | None], config: CandidateConfig = DEFAULTS.candidates) -> np.ndarray:
    """Pair keys of the document of each stretch (`docs[k]` holds the stretch whose vector is `stretches[k]`,
    stretch_leads) with the stretch's stretch_top_k nearest leads at lead_min_cosine or more, among all documents
    with a vector in another language."""
    return nearest_leads(docs, stretches, vectors, langs, config.stretch_top_k, config.lead_min_cosine)


def nearest_leads(docs: np.ndarray, queries: np.ndarray, vectors: dict[int, np.ndarray], langs: list[str | None],
                  top_k: int, min_cosine: float, chunk: int = 256) -> np.ndarray:
    """Pair keys of docs[k] with the top_k leads nearest to queries[k] (copies with one lead count once) at
    min_cosine or more, among all documents with a vector in another language than docs[k]'s."""
    others = np.array(sorted(vectors), dtype=np.int64)
    docs = np.asarray(docs, dtype=np.int64)
    if len(docs) == 0 or len(others) == 0:
        return np.empty(0, np.int64)
    matrix = np.stack([vectors[i] for i in others.tolist()])
    other_lang = np.array([langs[i] or "" for i in others.tolist()])
    wide = min(len(others), 4 * top_k)  # room for copies that tie
    out = []
    for start in range(0, len(docs), chunk):
        part = docs[start:start + chunk]
        cos = queries[start:start + chunk] @ matrix.T
        cos[other_lang[None, :] == np.array([langs[d] or "" for d in part.tolist()])[:, None]] = -1.0
        best = np.argpartition(-cos, wide - 1, axis=1)[:, :wide]
        score = np.take_along_axis(cos, best, axis=1)
        order = np.argsort(-score, axis=1, kind="stable")
        best, score = np.take_along_axis(best, order, axis=1), np.take_along_axis(score, order, axis=1)
        group = np.repeat(np.arange(len(part)), wide)
        keep = (distinct_rank(group, score.ravel()) < top_k) & (score.ravel() >= min_cosine)
        out.append(pair_keys(np.repeat(part, wide)[keep], others[best.ravel()[keep]]))
    return unique_values(np.concatenate(out))
