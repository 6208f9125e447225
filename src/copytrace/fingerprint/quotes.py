"""Quotation fingerprints: the word shingles inside quotation marks, every one of them.

Independent reports of one event share what was said, word for word, and little else. A quote of a dozen words
gives a copy-finding index (1 in sample_modulus shingles sampled) one or two samples, too few to nominate the pair,
so the shingles inside quotations are indexed whole: reports that quote the same words meet in the candidate stage,
and alignment then calls them same_story, never a copy (classify).
"""
from __future__ import annotations

import numpy as np

from copytrace.config import DEFAULTS, TextConfig
from copytrace.fingerprint.keys import KeyIndex
from copytrace.text.quotes import inside_quotes
from copytrace.text.tokens import TokenBatch, row_positions


def quote_fingerprints(texts: list[str], tokens: TokenBatch, shingles: np.ndarray, offsets: np.ndarray,
                       shingle_words: int, config: TextConfig = DEFAULTS.text) -> KeyIndex:
    """The quoted shingles of a batch (batch-local document numbers), from its texts, tokens and shingles of
    shingle_words tokens (shingle_hashes): a shingle is quoted when all its words are."""
    quoted = np.concatenate(
        [np.zeros(0, bool)]
        + [inside_quotes(t, tokens.starts[tokens.doc_slice(d)], config) for d, t in enumerate(texts)]
    )
    # a quoted shingle starts at a quoted token: only those are looked at, so the work and memory follow the quotes,
    # not the batch's tokens (a 100 MB document has 17M of them)
    first = np.flatnonzero(quoted)
    token_doc = np.searchsorted(tokens.doc_offsets, first, side="right") - 1
    at = first - tokens.doc_offsets[token_doc]
    starts_shingle = at < offsets[token_doc + 1] - offsets[token_doc]
    first, token_doc, at = first[starts_shingle], token_doc[starts_shingle], at[starts_shingle]
    whole = np.ones(len(first), bool)
    for j in range(1, shingle_words):
        whole &= quoted[first + j]
    rows = offsets[token_doc[whole]] + at[whole]
    doc, position = row_positions(offsets, rows)
    return KeyIndex.held(doc, shingles[rows], position.astype(np.int32))
