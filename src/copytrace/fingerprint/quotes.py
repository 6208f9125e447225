"""Quotation fingerprints: the word shingles inside quotation marks, every one of them.

Independent reports of one event share what was said, word for word, and little else. A quote of a dozen words
gives a copy-finding index (1 in sample_modulus shingles sampled) one or two samples, too few to nominate the pair,
so the shingles inside quotations are indexed whole: reports that quote the same words meet in the candidate stage,
and alignment then calls them same_story, never a copy (classify).
"""
from __future__ import annotations

import numpy as np

from copytrace.arrays import prefix_sums
from copytrace.config import DEFAULTS, TextConfig
from copytrace.fingerprint.keys import KeyIndex
from copytrace.text.quotes import inside_quotes
from copytrace.text.tokens import TokenBatch, row_positions


def quote_fingerprints(texts: list[str], tokens: TokenBatch, shingles: np.ndarray, offsets: np.ndarray,
                       shingle_words: int, config: TextConfig = DEFAULTS.text) -> KeyIndex:
    """The quoted shingles of a batch (batch-local document numbers), from its texts, tokens and shingles of
    shingle_words tokens (shingle_hashes): a shingle is quoted when all its words are."""
    doc, position = row_positions(offsets)
    first_token = tokens.doc_offsets[doc] + position
    quoted = np.concatenate(
        [np.zeros(0, bool)]
        + [inside_quotes(t, tokens.starts[tokens.doc_slice(d)], config) for d, t in enumerate(texts)]
    )
    inside = prefix_sums(quoted)
    whole = (inside[first_token + shingle_words] - inside[first_token]) == shingle_words
    return KeyIndex.held(doc[whole], shingles[whole], position[whole].astype(np.int32))
