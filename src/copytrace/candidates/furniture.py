"""Furniture inside the text: passages a site prints into every article ("Do you have information you want to share
with the Huffington Post?"), with no line break to remove them by.

A shingle held by many documents is either such furniture or a story copied many times. The holders tell which:
copies of one story resemble each other as wholes, articles sharing only furniture do not. So a shingle held by at
least furniture_min_holders documents whose holders, sampled in pairs, agree on under furniture_max_holder_jaccard
of their MinHash rows on average, is furniture. Works on the sampled shingles (1 in sample_modulus), which is enough
to find any furniture passage of a few dozen words. The holder threshold grows with the corpus
(furniture_min_holder_share). The numbers are CandidateConfig's.

Finding a passage is not marking it: a content-defined sample can leave 40 words of a passage unsampled (HuffPost's
"Do you have information you want to share with the Huffington Post? Here's how. ..." had no sample in its first 40
words, the same in every HuffPost page, so two of them shared 40 unmarked words: a "partial copy"). So each passage
is completed from the full text of a few of its holders (complete_passages): the shingles those unrelated pages
share in an unbroken run through a sampled furniture shingle are furniture too, every one of them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from copytrace.arrays import argsort_keys, distinct_holdings, run_lengths, unique_values
from copytrace.config import DEFAULTS, CandidateConfig, Thresholds
from copytrace.fingerprint.batch import story_texts
from copytrace.fingerprint.keys import Fingerprints
from copytrace.text.tokens import is_member, row_positions, shingle_hashes, tokenize


def corpus_furniture(
    fp: Fingerprints, texts_of: Callable[[list[int]], list[str]], repeated: frozenset[int],
    thresholds: Thresholds = DEFAULTS,
) -> np.ndarray:
    """Every shingle of the corpus's in-text furniture passages: found on the sample (its index sorted by key),
    completed from the full text (`texts_of` document numbers) of a few of each passage's holders."""
    config = thresholds.candidates
    index = fp.shingles
    furniture = furniture_shingles(index.doc, index.key, fp.signatures, config)
    holders = passage_holders(index.doc, index.key, furniture, config)
    if len(holders) == 0:
        return furniture
    tokens = tokenize(story_texts(texts_of(holders.tolist()), repeated, thresholds)[1])
    shingles, offsets = shingle_hashes(tokens.hashes, tokens.doc_offsets, thresholds.fingerprint.shingle_words)
    return complete_passages(shingles, offsets, furniture, config)


def furniture_shingles(
    sample_doc: np.ndarray, sample_hash: np.ndarray, signatures: np.ndarray, config: CandidateConfig = DEFAULTS.candidates
) -> np.ndarray:
    """Sorted uint64 hashes of the sampled shingles judged furniture."""
    if len(sample_hash) == 0:
        return np.empty(0, np.uint64)
    order = argsort_keys(sample_hash)
    docs, hashes = sample_doc[order], sample_hash[order]
    starts, sizes = run_lengths(hashes)
    n_docs = int(sample_doc.max()) + 1
    common = starts[sizes >= max(config.furniture_min_holders, config.furniture_min_holder_share * n_docs)]
    if len(common) == 0:
        return np.empty(0, np.uint64)
    agreement = np.zeros(len(common))
    for k in range(config.furniture_holder_pairs):
        x, y = docs[common + 2 * k], docs[common + 2 * k + 1]
        agreement += (signatures[x] == signatures[y]).mean(axis=1)
    agreement /= config.furniture_holder_pairs
    return np.sort(hashes[common[agreement < config.furniture_max_holder_jaccard]])


def passage_holders(
    sample_doc: np.ndarray, sample_hash: np.ndarray, furniture: np.ndarray, config: CandidateConfig = DEFAULTS.candidates
) -> np.ndarray:
    """Documents whose full text completes the furniture passages: the first 2 x furniture_holder_pairs holders of
    each furniture shingle (sorted; sample_hash sorted, as furniture_shingles has it), at most
    furniture_max_passage_texts."""
    if len(furniture) == 0:
        return np.empty(0, np.int64)
    first = np.searchsorted(sample_hash, furniture)
    rows = (first[:, None] + np.arange(2 * config.furniture_holder_pairs)).ravel()
    rows = rows[rows < len(sample_hash)]
    rows = rows[is_member(sample_hash[rows], furniture)]
    return unique_values(sample_doc[rows].astype(np.int64))[:config.furniture_max_passage_texts]


def complete_passages(
    shingles: np.ndarray, offsets: np.ndarray, furniture: np.ndarray, config: CandidateConfig = DEFAULTS.candidates
) -> np.ndarray:
    """Every shingle of the furniture passages, from the shingles of holder texts (rows grouped per text by
    offsets): those held by at least furniture_min_holders of the texts, in an unbroken run of such shingles that passes
    through a sampled furniture shingle. Sorted uint64, the sampled furniture included."""
    if len(shingles) == 0 or len(furniture) == 0:
        return furniture
    doc, pos = row_positions(offsets)
    # how many texts hold each shingle (each text counted once)
    held = distinct_holdings(doc, shingles)[1]
    starts, holders = run_lengths(held)
    common_keys = held[starts[holders >= config.furniture_min_holders]]
    c = np.flatnonzero(is_member(shingles, common_keys))
    # runs of common shingles in a text, across a few words that vary (a date); seeded by a sampled furniture shingle
    fresh_run = np.concatenate(([True], (doc[c][1:] != doc[c][:-1]) | (pos[c][1:] - pos[c][:-1] > config.passage_bridge)))
    run = np.cumsum(fresh_run) - 1
    seeded = np.zeros(int(run[-1]) + 1 if len(run) else 0, bool)
    seeded[run[is_member(shingles[c], furniture)]] = True
    return unique_values(np.concatenate((furniture, shingles[c][seeded[run]])))
