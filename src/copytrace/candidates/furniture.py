"""Furniture inside the text: passages a site prints into every article ("Do you have information you want to share
with the Huffington Post?"), with no line break to remove them by.

A shingle held by many documents is either such furniture or a story copied many times. The holders tell which:
copies of one story resemble each other as wholes, articles sharing only furniture do not. So a shingle held by at
least MIN_HOLDERS documents whose holders, sampled in pairs, agree on under MAX_HOLDER_JACCARD of their MinHash
rows on average, is furniture. Works on the sampled shingles (1 in SAMPLE_MODULUS), which is enough to find any
furniture passage of a few dozen words. The holder threshold grows with the corpus (MIN_HOLDER_SHARE).

Finding a passage is not marking it: a content-defined sample can leave 40 words of a passage unsampled (HuffPost's
"Do you have information you want to share with the Huffington Post? Here's how. ..." had no sample in its first 40
words, the same in every HuffPost page, so two of them shared 40 unmarked words: a "partial copy"). So each passage
is completed from the full text of a few of its holders (complete_passages): the shingles those unrelated pages
share in an unbroken run through a sampled furniture shingle are furniture too, every one of them.
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import argsort_keys, run_lengths, unique_values
from copytrace.candidates.groups import distinct_holdings
from copytrace.fingerprint.lexical import SHINGLE_WORDS
from copytrace.fingerprint.tokens import is_member, row_positions

MIN_HOLDERS = 8
#: ... and at least this share of the corpus: in a large corpus a common phrase is held by dozens of unrelated
#: texts without being anyone's furniture (at 200k documents, 8 holders masked so much text that 9% of the planted
#: near-duplicates of the speed corpus went unseen).
MIN_HOLDER_SHARE = 0.0005
MAX_HOLDER_JACCARD = 0.3
#: holder pairs compared per shingle: (0,1), (2,3), ... of its first holders.
HOLDER_PAIRS = 4
#: holders of each furniture shingle whose full text completes its passage, and at most this many texts in all.
PASSAGE_HOLDERS = 2 * HOLDER_PAIRS
MAX_PASSAGE_TEXTS = 4096
#: a run of common shingles goes on across this many positions without one: a word or two that vary (a date).
PASSAGE_BRIDGE = 2 * SHINGLE_WORDS


def furniture_shingles(sample_doc: np.ndarray, sample_hash: np.ndarray, signatures: np.ndarray) -> np.ndarray:
    """Sorted uint64 hashes of the sampled shingles judged furniture."""
    if len(sample_hash) == 0:
        return np.empty(0, np.uint64)
    order = argsort_keys(sample_hash)
    docs, hashes = sample_doc[order], sample_hash[order]
    starts, sizes = run_lengths(hashes)
    n_docs = int(sample_doc.max()) + 1
    common = starts[sizes >= max(MIN_HOLDERS, MIN_HOLDER_SHARE * n_docs)]
    if len(common) == 0:
        return np.empty(0, np.uint64)
    agreement = np.zeros(len(common))
    for k in range(HOLDER_PAIRS):
        x, y = docs[common + 2 * k], docs[common + 2 * k + 1]
        agreement += (signatures[x] == signatures[y]).mean(axis=1)
    agreement /= HOLDER_PAIRS
    return np.sort(hashes[common[agreement < MAX_HOLDER_JACCARD]])


def passage_holders(sample_doc: np.ndarray, sample_hash: np.ndarray, furniture: np.ndarray) -> np.ndarray:
    """Documents whose full text completes the furniture passages: the first PASSAGE_HOLDERS holders of each
    furniture shingle (sorted; sample_hash sorted, as furniture_shingles has it), at most MAX_PASSAGE_TEXTS."""
    if len(furniture) == 0:
        return np.empty(0, np.int64)
    first = np.searchsorted(sample_hash, furniture)
    rows = (first[:, None] + np.arange(PASSAGE_HOLDERS)).ravel()
    rows = rows[rows < len(sample_hash)]
    rows = rows[is_member(sample_hash[rows], furniture)]
    return unique_values(sample_doc[rows].astype(np.int64))[:MAX_PASSAGE_TEXTS]


def complete_passages(shingles: np.ndarray, offsets: np.ndarray, furniture: np.ndarray) -> np.ndarray:
    """Every shingle of the furniture passages, from the shingles of holder texts (rows grouped per text by
    offsets): those held by at least MIN_HOLDERS of the texts, in an unbroken run of such shingles that passes
    through a sampled furniture shingle. Sorted uint64, the sampled furniture included."""
    if len(shingles) == 0 or len(furniture) == 0:
        return furniture
    doc, pos = row_positions(offsets)
    # how many texts hold each shingle (each text counted once)
    held = distinct_holdings(doc, shingles)[1]
    starts, holders = run_lengths(held)
    common_keys = held[starts[holders >= MIN_HOLDERS]]
    c = np.flatnonzero(is_member(shingles, common_keys))
    # runs of common shingles in a text, across a few words that vary (a date); seeded by a sampled furniture shingle
    fresh_run = np.concatenate(([True], (doc[c][1:] != doc[c][:-1]) | (pos[c][1:] - pos[c][:-1] > PASSAGE_BRIDGE)))
    run = np.cumsum(fresh_run) - 1
    seeded = np.zeros(int(run[-1]) + 1 if len(run) else 0, bool)
    seeded[run[is_member(shingles[c], furniture)]] = True
    return unique_values(np.concatenate((furniture, shingles[c][seeded[run]])))
