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
from copytrace.fingerprint.embed import document_key, embed_sentences
from copytrace.text.sentences import sentence_text
from copytrace.text.tokens import is_member
from copytrace.text.view import TextView


def sentence_embeddings(view: TextView, wanted: np.ndarray | None = None) -> np.ndarray:
    """Multilingual embeddings of a document's wanted sentences (all by default; zero rows for the others), each
    computed once per document and process and reused for all its pairs."""
    table = view.sentences
    if wanted is None:
        wanted = np.ones(len(table), bool)
    sentences = [sentence_text(view, table, k) for k in range(len(table))]
    return embed_sentences(document_key(view.id, sentences), sentences, wanted)


def sentences_sharing_anchors(view: TextView, other: TextView, config: AlignConfig = DEFAULTS.align) -> np.ndarray:
    """Of view's sentences: those holding an anchor of the other text, their neighbours within anchor_reach, the
    first lead_sentences, and runs of at most anchor_gap sentences between those: where a translation of the other
    can be, since translated sentences keep their names and numbers, the lead is what gets translated most ("Ivory
    Coast" becomes "Elfenbeinküste"), and a translated excerpt is one stretch of its source, names or not."""
    table = view.sentences
    # a capital that only opens a sentence names nothing ("Officials said")
    mine, theirs = view.anchors.copy(), other.anchors.copy()
    mine[table.bounds[:, 0]] = view.numeric[table.bounds[:, 0]]
    theirs[other.sentences.bounds[:, 0]] = other.numeric[other.sentences.bounds[:, 0]]
    hits = mine & is_member(view.hashes, other.hashes[theirs])
    sentence = np.repeat(np.arange(len(table)), table.bounds[:, 1] - table.bounds[:, 0])
    wanted = np.zeros(len(table), bool)
    wanted[sentence[hits]] = True
    wanted[:config.lead_sentences] = True
    for _ in range(config.anchor_reach):
        wanted[1:] |= wanted[:-1].copy()
        wanted[:-1] |= wanted[1:].copy()
    kept = np.flatnonzero(wanted)
    for k in np.flatnonzero((np.diff(kept) > 1) & (np.diff(kept) <= config.anchor_gap + 1)).tolist():
        wanted[kept[k]:kept[k + 1]] = True
    return wanted


def meaning_matches(
    a: TextView, b: TextView, cross: bool, config: AlignConfig = DEFAULTS.align,
    near: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[SentenceMatch]:
    """Sentence matches on meaning (and skeleton and content) for a pair; `cross` when their languages differ.
    Within a language, `near` (masks of A's and B's sentences) limits the embedded sentences to those."""
    if not cross:
        wanted_a, wanted_b = near or (None, None)
        return match_sentences(a.sentences, b.sentences, sentence_embeddings(a, wanted_a),
                               sentence_embeddings(b, wanted_b), config.same_language_min_cosine, config)
    long_is_a = len(a.sentences) > len(b.sentences)
    long, short = (a, b) if long_is_a else (b, a)
    wanted = sentences_sharing_anchors(long, short, config)

    def matched() -> tuple[list[SentenceMatch], np.ndarray]:
        emb_long, emb_short = sentence_embeddings(long, wanted), sentence_embeddings(short)
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
