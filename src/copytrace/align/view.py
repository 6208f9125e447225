"""A document prepared for alignment: its story tokens with character offsets into the original, and its quotes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import xxhash

from copytrace.clean import Cleaned
from copytrace.fingerprint.lexical import SAMPLE_MODULUS, SHINGLE_WORDS
from copytrace.fingerprint.tokens import byte_to_char_offsets, shingle_hashes, sorted_member, tokenize

#: furniture hits this close (in tokens) belong to one passage; and a passage reaches this far past its outer hits.
FURNITURE_GAP = 3 * SAMPLE_MODULUS
FURNITURE_EDGE = SAMPLE_MODULUS

# Quotations in the common typographic conventions, at most MAX_QUOTE_CHARS long. A straight double quote opens only
# after a space or bracket and before a non-space, and closes only before a non-word character: scraped text is full
# of stray quote marks (mangled apostrophes: 'Athletes"?Commission') that must not turn half a page into a "quote".
MAX_QUOTE_CHARS = 400
_QUOTE = re.compile(
    r"“[^”\n]{2,%(n)d}”|„[^“”\n]{2,%(n)d}[“”]|«[^»\n]{2,%(n)d}»|(?<![\w\"])\"(?=\S)[^\"\n]{2,%(n)d}?(?<=\S)\"(?!\w)"
    r"|(?<!\w)‘[^’\n]{8,%(n)d}’(?!\w)" % {"n": MAX_QUOTE_CHARS}
)


def masked_text(text: str, kept: tuple[tuple[int, int], ...]) -> str:
    """The original with every character outside the kept spans blanked: same length, so offsets carry over."""
    pieces, pos = [], 0
    for s, e in kept:
        pieces.append(" " * (s - pos))
        pieces.append(text[s:e])
        pos = e
    pieces.append(" " * (len(text) - pos))
    return "".join(pieces)


def furniture_tokens(hashes: np.ndarray, furniture: np.ndarray | None) -> np.ndarray:
    """Tokens inside furniture passages: those under a furniture shingle, and gaps of up to FURNITURE_GAP tokens
    between two of them (only 1 in SAMPLE_MODULUS shingles is sampled, so hits are spread over a passage)."""
    marked = np.zeros(len(hashes), bool)
    if furniture is None or len(furniture) == 0 or len(hashes) < SHINGLE_WORDS:
        return marked
    shingles, _ = shingle_hashes(hashes, np.array([0, len(hashes)], np.int64), SHINGLE_WORDS)
    pos = np.flatnonzero(sorted_member(shingles, furniture))
    if len(pos) == 0:
        return marked
    starts, ends = pos, pos + SHINGLE_WORDS
    # bridge gaps between consecutive hits; extend the ends by the typical distance between samples
    bridge = np.flatnonzero(starts[1:] - ends[:-1] <= FURNITURE_GAP)
    delta = np.zeros(len(hashes) + 1, np.int64)
    np.add.at(delta, np.maximum(starts - FURNITURE_EDGE, 0), 1)
    np.add.at(delta, np.minimum(ends + FURNITURE_EDGE, len(hashes)), -1)
    np.add.at(delta, ends[bridge], 1)
    np.add.at(delta, starts[bridge + 1], -1)
    return np.cumsum(delta[:-1]) > 0


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

    story: np.ndarray = field(repr=False)  # bool: tokens not inside corpus furniture passages
    lang: str | None = None

    @classmethod
    def build(
        cls, doc_id: str, text: str, cleaned: Cleaned, furniture: np.ndarray | None = None, lang: str | None = None
    ) -> TextView:
        masked = masked_text(text, cleaned.kept)
        tb = tokenize([masked])
        to_char = byte_to_char_offsets(masked)
        story = ~furniture_tokens(tb.hashes, furniture)
        return cls(
            doc_id, text, cleaned, tb.hashes, to_char[tb.starts], to_char[tb.ends], tb.capitalised, tb.numeric, story, lang
        )

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
    def sentences(self):
        """The document's sentence table (align.sentences), built on first use."""
        from copytrace.align.sentences import sentence_table

        return sentence_table(self)

    def sentence_embeddings(self, wanted: np.ndarray | None = None) -> np.ndarray:
        """Multilingual embeddings of the wanted sentences (all by default; zero rows for the others), each computed
        once per document and process and reused for all its pairs."""
        from copytrace.align.sentences import sentence_text
        from copytrace.fingerprint.embed import embed_sentences

        table = self.sentences
        if wanted is None:
            wanted = np.ones(len(table), bool)
        key = (self.id, len(self.text), xxhash.xxh3_64_intdigest(self.text.encode("utf-8", "surrogatepass")))
        return embed_sentences(key, [sentence_text(self, table, k) for k in range(len(table))], wanted)

    @cached_property
    def anchors(self) -> np.ndarray:
        """Numbers and capitalised words: what survives translation (see fingerprint.spin)."""
        from copytrace.fingerprint.spin import anchor_mask

        return anchor_mask(self.hashes, self.starts, self.ends, self.capitalised, self.numeric)

    def sentences_sharing_anchors(self, other: TextView, reach: int = 1, lead: int = 3) -> np.ndarray:
        """Sentences holding an anchor of the other text, their neighbours within `reach`, and the first `lead`
        sentences: where a translation of the other can be, since translated sentences keep their names and
        numbers, and the lead is what gets translated most ("Ivory Coast" becomes "Elfenbeinküste")."""
        table = self.sentences
        # a capital that only opens a sentence names nothing ("Officials said")
        mine, theirs = self.anchors.copy(), other.anchors.copy()
        mine[table.bounds[:, 0]] = self.numeric[table.bounds[:, 0]]
        theirs[other.sentences.bounds[:, 0]] = other.numeric[other.sentences.bounds[:, 0]]
        hits = mine & np.isin(self.hashes, other.hashes[theirs])
        sentence = np.repeat(np.arange(len(table)), table.bounds[:, 1] - table.bounds[:, 0])
        wanted = np.zeros(len(table), bool)
        wanted[sentence[hits]] = True
        wanted[:lead] = True
        for _ in range(reach):
            wanted[1:] |= wanted[:-1].copy()
            wanted[:-1] |= wanted[1:].copy()
        return wanted

    @cached_property
    def token_chars(self) -> np.ndarray:
        """Characters of each token, zero for furniture: coverage is a share of the story alone."""
        return np.where(self.story, self.ends - self.starts, 0).astype(np.int64)

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
