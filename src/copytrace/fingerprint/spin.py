"""Fingerprints that survive rewording: what spinners, paraphrasers and translators leave in place.

- skeleton: n-grams of the function-word sequence (content words dropped). A spinner keeps function words and their
  order, so a spun copy shares its source's skeleton n-grams while sharing almost no word 5-gram; n-grams made only
  of the trivial words (the, of, and, a, in, to) are left out, being everywhere.
- content pairs: bigrams of the content-word sequence (function words dropped). A paraphrase or a round trip
  through another language keeps many content words next to each other, though seldom five words in a row.
- anchors: numbers and capitalised words (names), which survive spinning, paraphrase and translation alike. Reports
  of one event share them too, so anchors only nominate pairs; alignment decides.
Each list is sampled by hash (1 in its modulus), so the same passage yields the same samples in both texts.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import prefix_sums
from copytrace.config import DEFAULTS, FingerprintConfig, TextConfig
from copytrace.fingerprint.keys import KeyIndex
from copytrace.text.tokens import TokenBatch, anchor_mask, row_positions, shingle_hashes
from copytrace.text.words import is_function, is_trivial


def _subsequence(tokens: TokenBatch, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept tokens' hashes and their per-document offsets."""
    return tokens.hashes[keep], prefix_sums(keep)[tokens.doc_offsets]


def _sample_rows(shingles: np.ndarray, modulus: int) -> np.ndarray:
    """Rows of the sampled keys: other hash bits than the lexical sample uses, so the samples are independent."""
    return np.flatnonzero((shingles >> np.uint64(40)) % np.uint64(modulus) == 0)


def _sampled(shingles: np.ndarray, offsets: np.ndarray, modulus: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, key, position) of the sampled keys."""
    pick = _sample_rows(shingles, modulus)
    doc, position = row_positions(offsets, pick)
    return doc, shingles[pick], position.astype(np.int32)


def spin_fingerprints(
    tokens: TokenBatch, config: FingerprintConfig = DEFAULTS.fingerprint, text: TextConfig = DEFAULTS.text
) -> tuple[KeyIndex, KeyIndex, KeyIndex]:
    """The skeleton, content-pair and anchor indexes of a batch (batch-local document numbers)."""
    function = is_function(tokens.hashes)
    trivial = is_trivial(tokens.hashes)
    width = config.skeleton_words

    skel, skel_off = _subsequence(tokens, function)
    grams, gram_off = shingle_hashes(skel, skel_off, width)
    # drop n-grams made only of trivial words: count trivial words per window with a prefix sum
    triv = prefix_sums(trivial[function])
    per_doc = np.diff(gram_off)
    starts = np.arange(len(grams)) - np.repeat(gram_off[:-1], per_doc) + np.repeat(skel_off[:-1], per_doc)
    informative = (triv[starts + width] - triv[starts]) < width
    # positions count all skeleton n-grams, kept or not, so a passage's diagonal is the same in both texts
    doc, key, pos = _sampled(grams, gram_off, config.skeleton_sample)
    keep = informative[_sample_rows(grams, config.skeleton_sample)]
    skeleton = KeyIndex.held(doc[keep], key[keep], pos[keep])

    content = ~function & ~tokens.numeric
    words, word_off = _subsequence(tokens, content)
    pairs, pair_off = shingle_hashes(words, word_off, 2)
    content = KeyIndex.held(*_sampled(pairs, pair_off, config.content_pair_sample))

    anchor = anchor_mask(tokens.hashes, tokens.starts, tokens.ends, tokens.capitalised, tokens.numeric, function,
                         text.anchor_min_digits)
    anchor_doc = np.repeat(np.arange(tokens.n_docs), np.diff(tokens.doc_offsets))[anchor]
    return skeleton, content, KeyIndex.held(anchor_doc, tokens.hashes[anchor])
