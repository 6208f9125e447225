"""Quotation fingerprints: the word shingles inside quotation marks, every one of them.

Independent reports of one event share what was said, word for word, and little else. A quote of a dozen words
gives a copy-finding index (1 in SAMPLE_MODULUS shingles sampled) one or two samples, too few to nominate the pair,
so the shingles inside quotations are indexed whole: reports that quote the same words meet in the candidate stage,
and alignment then calls them same_story, never a copy (classify).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from copytrace.align.view import inside_quotes
from copytrace.fingerprint.lexical import SHINGLE_WORDS
from copytrace.fingerprint.tokens import TokenBatch, row_positions


@dataclass
class QuoteFingerprints:
    quote_doc: np.ndarray
    quote_hash: np.ndarray
    quote_pos: np.ndarray  # word offset of the shingle in its document


def quote_fingerprints(texts: list[str], tokens: TokenBatch, shingles: np.ndarray, offsets: np.ndarray) -> QuoteFingerprints:
    """The quoted shingles of a batch, from its texts, tokens and SHINGLE_WORDS-shingles (shingle_hashes)."""
    doc, position = row_positions(offsets)
    first_token = tokens.doc_offsets[doc] + position
    # a shingle is quoted when all its words are
    quoted = np.concatenate(
        [np.zeros(0, bool)] + [inside_quotes(t, tokens.starts[tokens.doc_slice(d)]) for d, t in enumerate(texts)]
    )
    inside = np.concatenate(([0], np.cumsum(quoted)))
    whole = (inside[first_token + SHINGLE_WORDS] - inside[first_token]) == SHINGLE_WORDS
    return QuoteFingerprints(doc[whole], shingles[whole], position[whole].astype(np.int32))
