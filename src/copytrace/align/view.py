"""A document prepared for alignment: its story tokens with character offsets into the original, and its quotes."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import xxhash

from copytrace import _native
from copytrace.clean import Cleaned
from copytrace.candidates.furniture import PASSAGE_BRIDGE
from copytrace.fingerprint.lexical import SHINGLE_WORDS
from copytrace.fingerprint.tokens import is_member, shingle_hashes, tokenize

#: furniture hits this close (in tokens) belong to one passage: a word or two that vary inside it (a date).
FURNITURE_GAP = PASSAGE_BRIDGE
#: site furniture is a small part of a page (HuffPost's ~60 words in ~500); past this share, the marks are wrong.
FURNITURE_MAX_SHARE = 0.4

# Quotations in the common typographic conventions (" “” „“ «» ‘’ 「」 『』), at most MAX_QUOTE_CHARS long and never across a
# line break. A straight double quote opens only after a space or bracket and before a non-space, and closes only
# after a non-space and before a non-word character: scraped text is full of stray quote marks (mangled apostrophes:
# 'Athletes"?Commission') that must not turn half a page into a "quote". A quotation left open at a paragraph's end
# whose next paragraph opens with the same mark goes on there (news style), so that paragraph is quoted too. The
# scanner runs in copytrace._native.
MAX_QUOTE_CHARS = 400
#: single curly quotes double as apostrophes: a quotation in them must be at least this long to count.
_MIN_SINGLE_QUOTE_CHARS = 8


def masked_text(text: str, kept: tuple[tuple[int, int], ...]) -> str:
    """The original with every character outside the kept spans blanked: same length, so offsets carry over."""
    pieces, pos = [], 0
    for s, e in kept:
        pieces.append(" " * (s - pos))
        pieces.append(text[s:e])
        pos = e
    pieces.append(" " * (len(text) - pos))
    return "".join(pieces)


def furniture_tokens(hashes: np.ndarray, doc_offsets: np.ndarray, furniture: np.ndarray | None) -> np.ndarray:
    """Tokens inside furniture passages, for a batch of documents: those under a furniture shingle (the corpus's
    furniture holds every shingle of its passages: candidates.furniture), and gaps of up to FURNITURE_GAP tokens
    between two of them."""
    n = len(hashes)
    marked = np.zeros(n, bool)
    if furniture is None or len(furniture) == 0 or n < SHINGLE_WORDS:
        return marked
    shingles, offsets = shingle_hashes(hashes, doc_offsets, SHINGLE_WORDS)
    hit_rows = np.flatnonzero(is_member(shingles, furniture))
    if len(hit_rows) == 0:
        return marked
    doc = np.searchsorted(offsets, hit_rows, side="right") - 1
    starts = hit_rows - offsets[doc] + doc_offsets[doc]  # token position of each hit
    ends = starts + SHINGLE_WORDS
    bridge = np.flatnonzero((doc[1:] == doc[:-1]) & (starts[1:] - ends[:-1] <= FURNITURE_GAP))
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    np.add.at(delta, ends[bridge], 1)
    np.add.at(delta, starts[bridge + 1], -1)
    marked = np.cumsum(delta[:-1]) > 0
    # a text that would be mostly furniture is made of common phrases, not of a site's furniture: keep it whole
    per_doc = np.concatenate(([0], np.cumsum(marked)))[doc_offsets]
    share = np.diff(per_doc) / np.maximum(np.diff(doc_offsets), 1)
    overrun = np.repeat(share > FURNITURE_MAX_SHARE, np.diff(doc_offsets))
    return marked & ~overrun


def quote_bounds(text: str) -> np.ndarray:
    """Start and end (quote marks included) of each quotation in text, flattened: [s0, e0, s1, e1, ...]."""
    return np.frombuffer(_native.quote_bounds(text, MAX_QUOTE_CHARS, _MIN_SINGLE_QUOTE_CHARS), np.int64)


def inside_quotes(text: str, starts: np.ndarray) -> np.ndarray:
    """For tokens starting at these character offsets of text: whether each sits inside a quotation."""
    bounds = quote_bounds(text)
    # a token is inside a quote when an odd number of quote boundaries precede its start
    return (np.searchsorted(bounds, starts, side="right") % 2) == 1


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
        return cls.build_many([(doc_id, text, cleaned, lang)], furniture)[0]

    @classmethod
    def build_many(
        cls, docs: list[tuple[str, str, Cleaned, str | None]], furniture: np.ndarray | None = None
    ) -> list[TextView]:
        """Views of several documents, tokenised in one batch (numpy's per-call cost paid once, not per text)."""
        # a text that lost nothing needs no mask: outside its kept lines is only whitespace
        masked = [masked_text(text, cleaned.kept) if cleaned.boilerplate_chars else text for _, text, cleaned, _ in docs]
        tb = tokenize(masked)
        story = ~furniture_tokens(tb.hashes, tb.doc_offsets, furniture)
        out = []
        for d, (doc_id, text, cleaned, lang) in enumerate(docs):
            sl = tb.doc_slice(d)
            out.append(cls(
                doc_id, text, cleaned, tb.hashes[sl], tb.starts[sl], tb.ends[sl], tb.capitalised[sl], tb.numeric[sl],
                story[sl], lang,
            ))
        return out

    def __len__(self) -> int:
        return len(self.hashes)

    @cached_property
    def seed_shingles(self) -> np.ndarray:
        """Hashes of the alignment seeds (align.lexical.SEED_WORDS-token shingles), one per start position."""
        from copytrace.align.lexical import SEED_WORDS

        return shingle_hashes(self.hashes, np.array([0, len(self)], np.int64), SEED_WORDS)[0]

    @cached_property
    def has_quotes(self) -> bool:
        return bool(self.in_quote.any())

    @cached_property
    def in_quote(self) -> np.ndarray:
        """True for tokens inside a quotation: material that independent reports of one event share legitimately."""
        return inside_quotes(self.text, self.starts)

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

    def sentences_sharing_anchors(self, other: TextView, reach: int = 1, lead: int = 3, gap: int = 3) -> np.ndarray:
        """Sentences holding an anchor of the other text, their neighbours within `reach`, the first `lead`
        sentences, and runs of at most `gap` sentences between those: where a translation of the other can be,
        since translated sentences keep their names and numbers, the lead is what gets translated most ("Ivory
        Coast" becomes "Elfenbeinküste"), and a translated excerpt is one stretch of its source, names or not."""
        table = self.sentences
        # a capital that only opens a sentence names nothing ("Officials said")
        mine, theirs = self.anchors.copy(), other.anchors.copy()
        mine[table.bounds[:, 0]] = self.numeric[table.bounds[:, 0]]
        theirs[other.sentences.bounds[:, 0]] = other.numeric[other.sentences.bounds[:, 0]]
        hits = mine & is_member(self.hashes, other.hashes[theirs])
        sentence = np.repeat(np.arange(len(table)), table.bounds[:, 1] - table.bounds[:, 0])
        wanted = np.zeros(len(table), bool)
        wanted[sentence[hits]] = True
        wanted[:lead] = True
        for _ in range(reach):
            wanted[1:] |= wanted[:-1].copy()
            wanted[:-1] |= wanted[1:].copy()
        kept = np.flatnonzero(wanted)
        for k in np.flatnonzero((np.diff(kept) > 1) & (np.diff(kept) <= gap + 1)).tolist():
            wanted[kept[k]:kept[k + 1]] = True
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
