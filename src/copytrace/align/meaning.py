"""Sentence matches on meaning: multilingual sentence embeddings (fingerprint.embed), for pairs across languages and
for same-language pairs whose words leave the question open.

Embeddings are dear, so only the sentences a copy can be in are embedded. Across languages the shorter text is
embedded whole and the longer only where its sentences share a name or number with the shorter, next to those, and
its lead: a translated excerpt of a long article sits there, and the rest of the article is never embedded. Where
the shorter side has sentences left unmatched, the longer side's sentences beside the matched ones, where a
translation in the source's order puts them, are embedded too and the pair matched once more.
"""
from __future__ import annotations

import numpy as np

from copytrace.align.sentences import SentenceMatch, beside_matches, fill_between_matches, match_sentences
from copytrace.config import DEFAULTS, AlignConfig
from copytrace.fingerprint.embed import document_key, embed_documents
from copytrace.text.sentences import sentence_text
from copytrace.text.tokens import is_member
from copytrace.text.view import TextView


def sentence_embeddings(view: TextView, wanted: np.ndarray | None = None) -> np.ndarray:
    """Multilingual embeddings of a document's wanted sentences (all by default; zero rows for the others), each
    computed once per document and process and reused for all its pairs."""
    return pair_embeddings(view, wanted, None, None)[0]


def pair_embeddings(
    a: TextView, wanted_a: np.ndarray | None, b: TextView | None, wanted_b: np.ndarray | None,
) -> list[np.ndarray]:
    """sentence_embeddings of a pair's two sides (b None: of a alone), the sentences neither has embedded before
    going to the model in one call."""
    docs = []
    for view, wanted in ((a, wanted_a), (b, wanted_b)):
        if view is None:
            continue
        table = view.sentences
        sentences = [sentence_text(view, table, k) for k in range(len(table))]
        docs.append((document_key(view.id, sentences), sentences,
                     np.ones(len(table), bool) if wanted is None else wanted))
    return embed_documents(docs)


def anchors_held(view: TextView, other: TextView) -> np.ndarray:
    """How many distinct anchors (names, numbers) of the other text each of view's sentences holds."""
    table = view.sentences
    # a capital that only opens a sentence names nothing ("Officials said")
    mine, theirs = view.anchors.copy(), other.anchors.copy()
    mine[table.bounds[:, 0]] = view.numeric[table.bounds[:, 0]]
    theirs[other.sentences.bounds[:, 0]] = other.numeric[other.sentences.bounds[:, 0]]
    hits = mine & is_member(view.hashes, other.hashes[theirs])
    sentence = np.repeat(np.arange(len(table)), table.bounds[:, 1] - table.bounds[:, 0])[hits]
    key = view.hashes[hits]
    order = np.lexsort((key, sentence))
    sentence, key = sentence[order], key[order]
    first = np.ones(len(sentence), bool)
    first[1:] = (sentence[1:] != sentence[:-1]) | (key[1:] != key[:-1])
    return np.bincount(sentence[first], minlength=len(table))


def sentences_sharing_anchors(view: TextView, other: TextView, config: AlignConfig = DEFAULTS.align,
                              held: np.ndarray | None = None) -> np.ndarray:
    """Of view's sentences: those holding an anchor of the other text (`held`: anchors_held, where known), their
    neighbours within anchor_reach, the first lead_sentences, and runs of at most anchor_gap sentences between
    those: where a translation of the other can be, since translated sentences keep their names and numbers, the
    lead is what gets translated most ("Ivory Coast" becomes "Elfenbeinküste"), and a translated excerpt is one
    stretch of its source, names or not."""
    wanted = (anchors_held(view, other) if held is None else held) > 0
    wanted[:config.lead_sentences] = True
    for _ in range(config.anchor_reach):
        wanted[1:] |= wanted[:-1].copy()
        wanted[:-1] |= wanted[1:].copy()
    kept = np.flatnonzero(wanted)
    for k in np.flatnonzero((np.diff(kept) > 1) & (np.diff(kept) <= config.anchor_gap + 1)).tolist():
        wanted[kept[k]:kept[k + 1]] = True
    return wanted


def probed(held: np.ndarray, config: AlignConfig = DEFAULTS.align) -> np.ndarray | None:
    """The longer side's sentences a cross-language pair is probed on (None: no probe): its probe_sentences
    sentences holding the most distinct anchors of the shorter, and its first lead_sentences. A translation keeps
    names and numbers, so some of its source sentences richest in them are among its counterparts."""
    if config.probe_sentences <= 0:
        return None
    top = np.argsort(-held, kind="stable")[:config.probe_sentences]
    probe = np.zeros(len(held), bool)
    probe[top[held[top] > 0]] = True
    probe[:config.lead_sentences] = True
    return probe


def meaning_matches(
    a: TextView, b: TextView, cross: bool, config: AlignConfig = DEFAULTS.align,
    near: tuple[np.ndarray, np.ndarray] | None = None, lexical: list[SentenceMatch] | None = None,
) -> list[SentenceMatch]:
    """Sentence matches on meaning (and skeleton and content) for a pair; `cross` when their languages differ.
    Within a language, `near` (masks of A's and B's sentences) limits the embedded sentences to those. `lexical`:
    the pair's matches on words alone, where made already (the answer when a cross-language probe finds nothing
    translated)."""
    if not cross:
        wanted_a, wanted_b = near or (None, None)
        emb_a, emb_b = pair_embeddings(a, wanted_a, b, wanted_b)
        return match_sentences(a.sentences, b.sentences, emb_a, emb_b, config.same_language_min_cosine, config)
    long_is_a = len(a.sentences) > len(b.sentences)
    long, short = (a, b) if long_is_a else (b, a)
    held = anchors_held(long, short)
    wanted = sentences_sharing_anchors(long, short, config, held)
    probe = probed(held, config)
    if probe is not None and np.count_nonzero(probe) < np.count_nonzero(wanted):
        emb_probe, emb_short = pair_embeddings(long, probe, short, None)
        if not (emb_probe @ emb_short.T >= config.cross_language_min_cosine).any():
            # nothing translated: the words alone
            return lexical if lexical is not None else match_sentences(a.sentences, b.sentences, config=config)

    def matched() -> tuple[list[SentenceMatch], np.ndarray]:
        emb_long, emb_short = pair_embeddings(long, wanted, short, None)
        emb_a, emb_b = (emb_long, emb_short) if long_is_a else (emb_short, emb_long)
        found = match_sentences(a.sentences, b.sentences, emb_a, emb_b, config.cross_language_min_cosine, config)
        return found, emb_a @ emb_b.T

    matches, cos = matched()
    if 0 < len(matches) < len(short.sentences):
        more = beside_matches(matches, len(long.sentences), len(short.sentences), long_is_a) & ~wanted
        if more.any():
            wanted = wanted | more
            matches, cos = matched()
    return fill_between_matches(matches, cos, a.sentences.chars > 0, b.sentences.chars > 0, long_is_a,
                                config.ordered_min_cosine)
