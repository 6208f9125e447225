"""A document prepared for alignment: its story tokens with character offsets into the original, and its quotes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from copytrace.clean import Cleaned
from copytrace.fingerprint.tokens import byte_to_char_offsets, tokenize

# Quotations in the common typographic conventions; straight double quotes pair up within a paragraph.
_QUOTE = re.compile(r"“[^”\n]{2,}”|„[^“”\n]{2,}[“”]|«[^»\n]{2,}»|\"[^\"\n]{2,}\"|‘[^’\n]{8,}’(?!\w)")


def masked_text(text: str, kept: tuple[tuple[int, int], ...]) -> str:
    """The original with every character outside the kept spans blanked: same length, so offsets carry over."""
    pieces, pos = [], 0
    for s, e in kept:
        pieces.append(" " * (s - pos))
        pieces.append(text[s:e])
        pos = e
    pieces.append(" " * (len(text) - pos))
    return "".join(pieces)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTE.finditer(text)]


@dataclass
class TextView:
    """Tokens of a document's kept text: hashes, char spans into the original, and which ones sit inside quotes."""

    id: str
    text: str
    cleaned: Cleaned
    hashes: np.ndarray = field(repr=False)
    starts: np.ndarray = field(repr=False)  # char offsets into text
    ends: np.ndarray = field(repr=False)
    capitalised: np.ndarray = field(repr=False)
    numeric: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, doc_id: str, text: str, cleaned: Cleaned) -> TextView:
        masked = masked_text(text, cleaned.kept)
        tb = tokenize([masked])
        to_char = byte_to_char_offsets(masked)
        return cls(doc_id, text, cleaned, tb.hashes, to_char[tb.starts], to_char[tb.ends], tb.capitalised, tb.numeric)

    def __len__(self) -> int:
        return len(self.hashes)

    @cached_property
    def in_quote(self) -> np.ndarray:
        """True for tokens inside a quotation: material that independent reports of one event share legitimately."""
        spans = quoted_spans(self.text)
        if not spans:
            return np.zeros(len(self), bool)
        bounds = np.array(spans, dtype=np.int64).ravel()
        # a token is inside a quote when an odd number of quote boundaries precede its start
        return (np.searchsorted(bounds, self.starts, side="right") % 2) == 1

    @cached_property
    def token_chars(self) -> np.ndarray:
        return (self.ends - self.starts).astype(np.int64)

    @cached_property
    def total_chars(self) -> int:
        return int(self.token_chars.sum())

    def char_span(self, tok_start: int, tok_end: int) -> tuple[int, int]:
        """Character span into the original text of tokens [tok_start, tok_end)."""
        return int(self.starts[tok_start]), int(self.ends[tok_end - 1])

    def coverage(self, covered: np.ndarray) -> float:
        """Share of the kept text's characters (counted over tokens, so spacing does not weigh) under `covered`."""
        if self.total_chars == 0:
            return 0.0
        return float(self.token_chars[covered].sum() / self.total_chars)
