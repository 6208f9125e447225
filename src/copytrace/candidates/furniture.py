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
    # the corpus's size as the sample sees it (documents up to the last one holding a sampled shingle)
    n_docs = int(fp.shingles.doc.max()) + 1 if len(fp.shingles) else 0
    keys, holders = common_shingles(fp.shingles.doc, fp.shingles.key, n_docs, config)
    furniture, holders = judge_furniture(keys, holders, lambda docs: fp.signatures[docs], config)
    return completed_furniture(furniture, holders, texts_of, repeated, thresholds)


def furniture_threshold(n_docs: int, config: CandidateConfig = DEFAULTS.candidates) -> float:
    """How many documents must hold a shingle for it to be furniture: furniture_min_holders, growing with the
    corpus (furniture_min_holder_share)."""
    return max(config.furniture_min_holders, config.furniture_min_holder_share * n_docs)


def common_shingles(
    sample_doc: np.ndarray, sample_hash: np.ndarray, n_docs: int, config: CandidateConfig = DEFAULTS.candidates
) -> tuple[np.ndarray, np.ndarray]:
    """The sampled shingles held by enough documents to be furniture (furniture_threshold), and each one's first
    2 x furniture_holder_pairs holders (rows: shingles; the holders in index order)."""
    if len(sample_hash) == 0:
        return np.empty(0, np.uint64), np.empty((0, 2 * config.furniture_holder_pairs), np.int64)
    order = argsort_keys(sample_hash)
    docs, hashes = sample_doc[order], sample_hash[order]
    starts, sizes = run_lengths(hashes)
    common = starts[sizes >= furniture_threshold(n_docs, config)]
    first = common[:, None] + np.arange(2 * config.furniture_holder_pairs)
    return hashes[common], docs[first].astype(np.int64)


def judge_furniture(
    keys: np.ndarray, holders: np.ndarray, signatures_of: Callable[[np.ndarray], np.ndarray],
    config: CandidateConfig = DEFAULTS.candidates,
) -> tuple[np.ndarray, np.ndarray]:
    """Of shingles held by enough documents (with their first holders, as common_shingles gives them), those whose
    holders, in pairs, agree on under furniture_max_holder_jaccard of their MinHash rows on average: sorted uint64
    hashes of the furniture shingles, and their holders in the same order."""
    if len(keys) == 0:
        return np.empty(0, np.uint64), holders[:0]
    docs = unique_values(holders.ravel())
    signatures = signatures_of(docs)
    row = np.searchsorted(docs, holders)
    agreement = np.zeros(len(keys))
    for k in range(config.furniture_holder_pairs):
        agreement += (signatures[row[:, 2 * k]] == signatures[row[:, 2 * k + 1]]).mean(axis=1)
    agreement /= config.furniture_holder_pairs
    furniture = agreement < config.furniture_max_holder_jaccard
    order = np.argsort(keys[furniture], kind="stable")
    return keys[furniture][order], holders[furniture][order]


def completed_furniture(
    furniture: np.ndarray, holders: np.ndarray, texts_of: Callable[[list[int]], list[str]], repeated: frozenset[int],
    thresholds: Thresholds = DEFAULTS,
) -> np.ndarray:
    """The furniture shingles with every shingle of their passages (complete_passages), read from the full texts of
    their holders: the first documents of each, at most furniture_max_passage_texts."""
    config = thresholds.candidates
    if len(furniture) == 0:
        return furniture
    texts = unique_values(holders.ravel())[:config.furniture_max_passage_texts]
    tokens = tokenize(story_texts(texts_of(texts.tolist()), repeated, thresholds)[1])
    shingles, offsets = shingle_hashes(tokens.hashes, tokens.doc_offsets, thresholds.fingerprint.shingle_words)
    return complete_passages(shingles, offsets, furniture, config)


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
