"""Vectorised tokenising and hashing of a whole batch of texts at once.

Tokenising and shingling word by word in Python is the known bottleneck of MinHash pipelines (~10 us a document
before any hashing). Here a batch of texts becomes one byte array and every step is a numpy operation over it:

- a word is a maximal run of ASCII letters or digits or non-ASCII bytes (UTF-8 letters of any script), with the
  Latin-1 punctuation block (C2 80-BF) and General Punctuation (E2 80 xx: curly quotes, dashes, ellipsis) excluded;
- a token's hash is a polynomial hash mod 2^64 taken from one prefix sum:  with H[i] = sum_{j<i} c_j P^j,
  hash(s, e) = (H[e] - H[s]) * P^-s, since P is odd and so invertible mod 2^64; a splitmix64 finaliser then mixes it;
- a k-shingle's hash combines its k token hashes with distinct odd multipliers and is mixed again.
Texts are lower-cased first; `capitalised` records which tokens began with an upper-case ASCII letter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_P = np.uint64(0x100000001B3)  # FNV prime: odd, so invertible mod 2^64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_SHINGLE_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
     0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_pow_cache: dict[str, np.ndarray] = {"fwd": np.ones(1, np.uint64), "inv": np.ones(1, np.uint64)}


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^i and P^-i mod 2^64 for i < n, grown by doubling and cached (numpy uint64 arithmetic wraps mod 2^64)."""
    fwd, inv = _pow_cache["fwd"], _pow_cache["inv"]
    while len(fwd) < n:
        m = len(fwd)
        with np.errstate(over="ignore"):
            fwd = np.concatenate([fwd, fwd * (fwd[-1] * _P)])
            inv = np.concatenate([inv, inv * (inv[-1] * _P_INV)])
        assert len(fwd) == 2 * m
    _pow_cache["fwd"], _pow_cache["inv"] = fwd, inv
    return fwd[:n], inv[:n]


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit affects every output bit."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


@dataclass
class TokenBatch:
    """The tokens of a batch of texts: hashes, byte spans, and which document each belongs to."""

    hashes: np.ndarray  # uint64, one per token
    starts: np.ndarray  # int64 byte offset of each token in its own text's UTF-8 encoding
    ends: np.ndarray
    doc_offsets: np.ndarray  # int64, n_docs + 1: tokens of document d are [doc_offsets[d], doc_offsets[d+1])
    capitalised: np.ndarray  # bool
    numeric: np.ndarray  # bool: all digits

    @property
    def n_docs(self) -> int:
        return len(self.doc_offsets) - 1

    def doc_slice(self, d: int) -> slice:
        return slice(int(self.doc_offsets[d]), int(self.doc_offsets[d + 1]))


def tokenize(texts: list[str]) -> TokenBatch:
    """Tokenise and hash a batch of texts in one pass of numpy operations."""
    joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    raw = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    upper = (raw >= 65) & (raw <= 90)
    if joined.isascii():  # lower-case in numpy: far cheaper than str.lower for the common case
        b = raw | (upper.astype(np.uint8) << 5)
    else:
        lowered = joined.lower().encode("utf-8", "surrogatepass")
        if len(lowered) == len(raw):
            b = np.frombuffer(lowered, dtype=np.uint8)
        else:  # a rare character whose lower case has another length: ASCII lower-casing only
            b = raw | (upper.astype(np.uint8) << 5)
    n = len(b)
    word = ((b >= 48) & (b <= 57)) | ((b >= 97) & (b <= 122)) | (b >= 128)
    # Latin-1 punctuation (C2 80-BF) and General Punctuation (E2 80 xx) are not word bytes
    lead = np.flatnonzero(b[:-1] == 0xC2) if n > 1 else np.empty(0, np.int64)
    word[lead] = False
    word[lead + 1] = False
    gp = np.flatnonzero((b[:-2] == 0xE2) & (b[1:-1] == 0x80)) if n > 2 else np.empty(0, np.int64)
    word[gp] = False
    word[gp + 1] = False
    word[gp + 2] = False

    edge = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)

    fwd, inv = _powers(n + 1)
    with np.errstate(over="ignore"):
        prefix = np.empty(n + 1, np.uint64)
        prefix[0] = 0
        np.cumsum(b.astype(np.uint64) * fwd[:n], out=prefix[1:])
        hashes = mix64((prefix[ends] - prefix[starts]) * inv[starts])

    seps = np.flatnonzero(b == 0)
    doc_of_token = np.searchsorted(seps, starts)
    doc_offsets = np.searchsorted(doc_of_token, np.arange(len(texts) + 1)).astype(np.int64)
    doc_byte_start = np.concatenate(([0], seps + 1))
    local = doc_byte_start[doc_of_token]

    digit = ((b >= 48) & (b <= 57)).astype(np.int32)
    digit_prefix = np.concatenate(([0], np.cumsum(digit)))
    numeric = (digit_prefix[ends] - digit_prefix[starts]) == (ends - starts)
    capitalised = upper[starts]
    return TokenBatch(hashes, starts - local, ends - local, doc_offsets, capitalised, numeric)


def shingle_hashes(hashes: np.ndarray, doc_offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the k-token shingles of every document, and their row offsets (shingles never cross documents).

    A document with fewer than k tokens has no shingles."""
    n = len(hashes)
    if n < k:
        return np.empty(0, np.uint64), np.zeros(len(doc_offsets), np.int64)
    m = n - k + 1
    with np.errstate(over="ignore"):
        acc = hashes[:m] * _SHINGLE_MULT[0]
        for j in range(1, k):
            acc = acc + hashes[j:j + m] * _SHINGLE_MULT[j]
    acc = mix64(acc)
    doc_of_token = np.searchsorted(doc_offsets, np.arange(n), side="right") - 1
    valid = doc_of_token[:m] == doc_of_token[k - 1:]
    shingles = acc[valid]
    doc_of_shingle = doc_of_token[:m][valid]
    offsets = np.searchsorted(doc_of_shingle, np.arange(len(doc_offsets))).astype(np.int64)
    return shingles, offsets


def byte_to_char_offsets(text: str) -> np.ndarray:
    """For each byte offset of text's UTF-8 encoding (and one past the end), the character offset."""
    b = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    is_char_start = (b & 0xC0) != 0x80
    return np.concatenate(([0], np.cumsum(is_char_start))).astype(np.int64)


def sorted_member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """values' membership in a sorted array, by binary search: np.isin would rebuild a table of the set per call."""
    if len(sorted_set) == 0:
        return np.zeros(len(values), bool)
    pos = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[pos] == values
