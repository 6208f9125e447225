"""Tokenising and hashing of a whole batch of texts at once, in copytrace's compiled core (copytrace._native).

Tokenising and shingling word by word in Python is the known bottleneck of MinHash pipelines (~10 us a document
before any hashing). Here one C pass over a batch of texts, read in place, yields every token:

- a word is a maximal run of ASCII letters or digits or non-ASCII characters (letters of any script), with the
  Latin-1 punctuation block (U+0080-U+00BF), General Punctuation (U+2000-U+206F: curly quotes, dashes,
  ellipsis), CJK and fullwidth punctuation (。，「」（）) and the Arabic and Devanagari stops excluded;
- Han ideographs and Japanese kana, written without spaces between words, are a token each (as search engines
  index them): Chinese text shingles by characters, and numbers and Latin names amid it are tokens of their own;
- a token's hash is FNV-1a over its lower-cased code points (Unicode's simple case mapping), then splitmix64's
  finaliser;
- a k-shingle's hash combines its k token hashes with distinct odd multipliers and is mixed again.
`capitalised` records which tokens begin with an upper-case ASCII letter. Token spans are character offsets into
each text. Each text also gets an exact hash: its token hashes, each mixed with its position, summed and mixed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from copytrace import native
from copytrace.arrays import prefix_sums


@dataclass
class TokenBatch:
    """The tokens of a batch of texts: hashes, character spans, and which document each belongs to."""

    hashes: np.ndarray  # uint64, one per token
    starts: np.ndarray  # int64 character offset of each token in its own text
    ends: np.ndarray
    doc_offsets: np.ndarray  # int64, n_docs + 1: tokens of document d are [doc_offsets[d], doc_offsets[d+1])
    capitalised: np.ndarray  # bool
    numeric: np.ndarray  # bool: all digits
    exact: np.ndarray  # uint64 per document: a hash of its token sequence (position-weighted: order matters)

    @property
    def n_docs(self) -> int:
        return len(self.doc_offsets) - 1

    def doc_slice(self, d: int) -> slice:
        return slice(int(self.doc_offsets[d]), int(self.doc_offsets[d + 1]))


def tokenize(texts: list[str]) -> TokenBatch:
    """Tokenise and hash a batch of texts in one pass."""
    hashes, starts, ends, flags, doc_offsets, exact = native.tokenize(texts)
    return TokenBatch(hashes, starts, ends, doc_offsets, (flags & 1).astype(bool), (flags & 2).astype(bool), exact)


def shingle_hashes(hashes: np.ndarray, doc_offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the k-token shingles of every document, and their row offsets (shingles never cross documents).

    A document with fewer than k tokens has no shingles."""
    return native.shingles(hashes, doc_offsets, k)


def row_positions(offsets: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For rows grouped per document by `offsets` (n_docs + 1): each row's document and its position in it; of
    the given rows only (indices, ascending or not), or of every row."""
    if rows is not None:
        doc = np.searchsorted(offsets, rows, side="right") - 1
        return doc, rows - offsets[doc]
    counts = np.diff(offsets)
    doc = np.repeat(np.arange(len(offsets) - 1), counts)
    return doc, np.arange(int(offsets[-1]) - int(offsets[0])) - np.repeat(offsets[:-1] - offsets[0], counts)


def is_member(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values' membership in a set of uint64 hashes (a hash table in copytrace._native: np.isin would sort, and
    a binary search per value is slow for many values)."""
    if len(keys) == 0 or len(values) == 0:
        return np.zeros(len(values), bool)
    return native.member(values, keys)


def per_document_counts(mask: np.ndarray, doc_offsets: np.ndarray) -> np.ndarray:
    """How many of each document's rows (grouped by doc_offsets, n_docs + 1) are set in mask."""
    return np.diff(prefix_sums(mask)[doc_offsets])


def anchor_mask(hashes: np.ndarray, starts: np.ndarray, ends: np.ndarray, capitalised: np.ndarray,
                numeric: np.ndarray, function: np.ndarray, min_digits: int) -> np.ndarray:
    """Anchors, what survives spinning, paraphrase and translation alike: numbers of min_digits or more digits, and
    capitalised words that are not function words (`function`, text.words.is_function of the hashes)."""
    return (numeric & ((ends - starts) >= min_digits)) | (capitalised & ~function)


def normal_form(text: str) -> str:
    """Unicode compatibility form (NFKC), without byte-order marks: the same words typed differently hash alike."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).replace("\ufeff", "")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """text with each lone surrogate replaced by U+FFFD, one character for one (offsets keep their meaning). A JSON
    escape ("\\ud800") puts lone surrogates in a str; the C++ models (fastText, SentencePiece) take only text that
    encodes as UTF-8."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)
