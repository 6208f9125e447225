"""Every fingerprint of a batch of documents, in one pass: texts -> cleaned spans -> tokens -> the exact hash,
MinHash, the sampled shingle index (lexical); the skeleton, content-pair, anchor and quotation indexes (spin and
semantic layers); and each text's language."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from copytrace.clean import Cleaned, clean
from copytrace.config import DEFAULTS, LAYERS, Thresholds
from copytrace.fingerprint.keys import Fingerprints
from copytrace.fingerprint.language import detect_languages
from copytrace.fingerprint.lexical import minhash_signatures, sampled_shingles
from copytrace.fingerprint.quotes import quote_fingerprints
from copytrace.fingerprint.spin import spin_fingerprints
from copytrace.text.tokens import normal_form, shingle_hashes, tokenize
from copytrace.text.words import plainly_english


def story_texts(
    texts: Sequence[str], repeated: frozenset[int], thresholds: Thresholds = DEFAULTS
) -> tuple[list[Cleaned], list[str]]:
    """Each text's cleaning, and its story in normal form: what every fingerprint is taken of."""
    cleaned = [clean(t, repeated, thresholds.clean) for t in texts]
    # a text that lost nothing is its own story: what lies between its kept lines is whitespace, which no token holds
    return cleaned, [normal_form(c.text(t) if c.boilerplate_chars else t) for c, t in zip(cleaned, texts)]


def fingerprint_batch(
    doc_index: np.ndarray, texts: Sequence[str], repeated: frozenset[int], layers: tuple[str, ...] = LAYERS,
    thresholds: Thresholds = DEFAULTS,
) -> Fingerprints:
    """The fingerprints of the documents numbered doc_index, whose texts these are; `repeated` holds the corpus's
    furniture lines (clean)."""
    config = thresholds.fingerprint
    cleaned, story = story_texts(texts, repeated, thresholds)
    tokens = tokenize(story)
    shingles, offsets = shingle_hashes(tokens.hashes, tokens.doc_offsets, config.shingle_words)  # for every index
    doc_index = doc_index.astype(np.int32)  # document numbers fit 32 bits: the corpus-wide index arrays halve
    # `exact` means identical before furniture is removed (a repost in other furniture is a near_duplicate):
    # texts that lost furniture are hashed again whole.
    exact = tokens.exact
    furnished = [k for k, c in enumerate(cleaned) if c.boilerplate_chars]
    if furnished:
        exact[furnished] = tokenize([normal_form(texts[k]) for k in furnished]).exact
    english = plainly_english(tokens.hashes, tokens.doc_offsets, config.english_min_tokens,
                              config.english_min_marker_share)
    out = Fingerprints(
        doc_index=doc_index,
        exact=exact,
        signatures=minhash_signatures(shingles, offsets, config),
        n_shingles=np.diff(offsets),
        n_tokens=np.diff(tokens.doc_offsets),
        clean_chars=np.array([c.chars for c in cleaned], np.int64),
        boilerplate_chars=np.array([c.boilerplate_chars for c in cleaned], np.int64),
        langs=detect_languages(story, english.tolist(), config),
        shingles=sampled_shingles(shingles, offsets, config).renumbered(doc_index),
    )
    if "spin" in layers or "semantic" in layers:
        out.quotes = quote_fingerprints(story, tokens, shingles, offsets, config.shingle_words,
                                        thresholds.text).renumbered(doc_index)
        skeleton, content, anchors = spin_fingerprints(tokens, config, thresholds.text)
        out.skeleton, out.content, out.anchors = (
            skeleton.renumbered(doc_index), content.renumbered(doc_index), anchors.renumbered(doc_index)
        )
    return out
