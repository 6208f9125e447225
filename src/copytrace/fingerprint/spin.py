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

from dataclasses import dataclass

import numpy as np

from copytrace.fingerprint.tokens import TokenBatch, row_positions, shingle_hashes
from copytrace.fingerprint.words import is_function, is_trivial

SKELETON_WORDS = 6
SKELETON_SAMPLE = 4
CONTENT_PAIR_SAMPLE = 4
#: a number of one digit ("3 people") is too common to anchor anything.
ANCHOR_MIN_DIGITS = 2


@dataclass
class SpinFingerprints:
    skeleton_doc: np.ndarray
    skeleton_hash: np.ndarray
    skeleton_pos: np.ndarray  # offset in the document's function-word sequence
    content_doc: np.ndarray
    content_hash: np.ndarray
    content_pos: np.ndarray  # offset in the document's content-word sequence
    anchor_doc: np.ndarray
    anchor_hash: np.ndarray


def _subsequence(tokens: TokenBatch, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kept tokens' hashes and their per-document offsets."""
    before = np.concatenate(([0], np.cumsum(keep)))
    return tokens.hashes[keep], before[tokens.doc_offsets]


def _sampled(shingles: np.ndarray, offsets: np.ndarray, modulus: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(document, key, position) of the sampled keys."""
    pick = _sample_rows(shingles, modulus)
    doc, position = row_positions(offsets, pick)
    return doc, shingles[pick], position.astype(np.int32)


def spin_fingerprints(tokens: TokenBatch) -> SpinFingerprints:
    function = is_function(tokens.hashes)
    trivial = is_trivial(tokens.hashes)

    skel, skel_off = _subsequence(tokens, function)
    grams, gram_off = shingle_hashes(skel, skel_off, SKELETON_WORDS)
    # drop n-grams made only of trivial words: count trivial words per window with a prefix sum
    triv = np.concatenate(([0], np.cumsum(trivial[function])))
    per_doc = np.diff(gram_off)
    starts = np.arange(len(grams)) - np.repeat(gram_off[:-1], per_doc) + np.repeat(skel_off[:-1], per_doc)
    informative = (triv[starts + SKELETON_WORDS] - triv[starts]) < SKELETON_WORDS
    # positions count all skeleton n-grams, kept or not, so a passage's diagonal is the same in both texts
    skeleton = _sampled(grams, gram_off, SKELETON_SAMPLE)
    keep = informative[_sample_rows(grams, SKELETON_SAMPLE)]
    skeleton = tuple(x[keep] for x in skeleton)

    content = ~function & ~tokens.numeric
    words, word_off = _subsequence(tokens, content)
    pairs, pair_off = shingle_hashes(words, word_off, 2)
    content = _sampled(pairs, pair_off, CONTENT_PAIR_SAMPLE)

    anchor = anchor_mask(tokens.hashes, tokens.starts, tokens.ends, tokens.capitalised, tokens.numeric)
    anchor_doc = np.repeat(np.arange(tokens.n_docs), np.diff(tokens.doc_offsets))[anchor]
    return SpinFingerprints(*skeleton, *content, anchor_doc, tokens.hashes[anchor])


def anchor_mask(hashes: np.ndarray, starts: np.ndarray, ends: np.ndarray, capitalised: np.ndarray,
                numeric: np.ndarray) -> np.ndarray:
    """Numbers of ANCHOR_MIN_DIGITS or more digits, and capitalised words that are not function words."""
    return (numeric & ((ends - starts) >= ANCHOR_MIN_DIGITS)) | (capitalised & ~is_function(hashes))


def _sample_rows(shingles: np.ndarray, modulus: int) -> np.ndarray:
    """Rows of the sampled keys: other hash bits than the lexical sample uses, so the samples are independent."""
    return np.flatnonzero((shingles >> np.uint64(40)) % np.uint64(modulus) == 0)
