"""A document prepared for alignment: its story tokens with character offsets into the original, and its quotes."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from copytrace.config import DEFAULTS, TextConfig
from copytrace.text.quotes import inside_quotes
from copytrace.text.sentences import SentenceTable, sentence_starts, sentence_summary, sentence_table
from copytrace.text.tokens import anchor_mask, is_member, per_document_counts, shingle_hashes, tokenize
from copytrace.text.words import is_function


class Cleaned(Protocol):
    """What a view needs of a text's cleaning (clean.Cleaned): the spans of the original that carry the story."""

    kept: tuple[tuple[int, int], ...]
    boilerplate_chars: int
    chars: int


def masked_text(text: str, kept: tuple[tuple[int, int], ...]) -> str:
    """The original with every character outside the kept spans blanked: same length, so offsets carry over."""
    pieces, pos = [], 0
    for s, e in kept:
        pieces.append(" " * (s - pos))
        pieces.append(text[s:e])
        pos = e
    pieces.append(" " * (len(text) - pos))
    return "".join(pieces)


def furniture_tokens(hashes: np.ndarray, doc_offsets: np.ndarray, furniture: np.ndarray | None, shingle_words: int,
                     config: TextConfig = DEFAULTS.text) -> np.ndarray:
    """Tokens inside furniture passages, for a batch of documents: those under a furniture shingle of shingle_words
    tokens (the corpus's furniture holds every shingle of its passages: candidates.furniture), and gaps of up to
    furniture_gap tokens between two of them."""
    n = len(hashes)
    marked = np.zeros(n, bool)
    if furniture is None or len(furniture) == 0 or n < shingle_words:
        return marked
    shingles, offsets = shingle_hashes(hashes, doc_offsets, shingle_words)
    hit_rows = np.flatnonzero(is_member(shingles, furniture))
    if len(hit_rows) == 0:
        return marked
    doc = np.searchsorted(offsets, hit_rows, side="right") - 1
    starts = hit_rows - offsets[doc] + doc_offsets[doc]  # token position of each hit
    ends = starts + shingle_words
    bridge = np.flatnonzero((doc[1:] == doc[:-1]) & (starts[1:] - ends[:-1] <= config.furniture_gap))
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    np.add.at(delta, ends[bridge], 1)
    np.add.at(delta, starts[bridge + 1], -1)
    marked = np.cumsum(delta[:-1]) > 0
    # a text that would be mostly furniture is made of common phrases, not of a site's furniture: keep it whole
    share = per_document_counts(marked, doc_offsets) / np.maximum(np.diff(doc_offsets), 1)
    overrun = np.repeat(share > config.furniture_max_share, np.diff(doc_offsets))
    return marked & ~overrun


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
    config: TextConfig = field(default=DEFAULTS.text, repr=False)
    #: a window view's token ranges [start, end) in the whole document's view (TextView.window); None for a whole one
    windows: tuple[tuple[int, int], ...] | None = None
    #: a window view's whole document: (sentences, sentences with story characters, story characters outside quotes)
    whole_sentences: tuple[int, int, int] | None = field(default=None, repr=False)
    _seeds: dict[int, np.ndarray] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def build(
        cls, doc_id: str, text: str, cleaned: Cleaned, furniture: np.ndarray | None = None, lang: str | None = None,
        shingle_words: int = DEFAULTS.fingerprint.shingle_words, config: TextConfig = DEFAULTS.text,
    ) -> TextView:
        return cls.build_many([(doc_id, text, cleaned, lang)], furniture, shingle_words, config)[0]

    @classmethod
    def build_many(
        cls, docs: list[tuple[str, str, Cleaned, str | None]], furniture: np.ndarray | None = None,
        shingle_words: int = DEFAULTS.fingerprint.shingle_words, config: TextConfig = DEFAULTS.text,
    ) -> list[TextView]:
        """Views of several documents, tokenised in one batch (numpy's per-call cost paid once, not per text).
        Tokens under the corpus's furniture shingles (of shingle_words tokens) are no part of the story."""
        # a text that lost nothing needs no mask: outside its kept lines is only whitespace
        masked = [masked_text(text, cleaned.kept) if cleaned.boilerplate_chars else text for _, text, cleaned, _ in docs]
        tb = tokenize(masked)
        story = ~furniture_tokens(tb.hashes, tb.doc_offsets, furniture, shingle_words, config)
        out = []
        for d, (doc_id, text, cleaned, lang) in enumerate(docs):
            sl = tb.doc_slice(d)
            out.append(cls(
                doc_id, text, cleaned, tb.hashes[sl], tb.starts[sl], tb.ends[sl], tb.capitalised[sl], tb.numeric[sl],
                story[sl], lang, config,
            ))
        return out

    def __len__(self) -> int:
        return len(self.hashes)

    def seed_shingles(self, k: int) -> np.ndarray:
        """Hashes of the k-token shingles that seed verbatim alignment (align.verbatim), one per start position."""
        found = self._seeds.get(k)
        if found is None:
            found = self._seeds[k] = shingle_hashes(self.hashes, np.array([0, len(self)], np.int64), k)[0]
        return found

    def window(self, ranges: list[tuple[int, int]], seed_words: int) -> TextView:
        """A view of only these token ranges (sorted, disjoint) of this one, for aligning a long document against a
        short one (align.windows). Offsets stay offsets into the original text, and shares stay shares of the whole
        document: its coverage counts all its story characters, its sentence table the whole document's sentences.
        Its seed shingles of seed_words tokens are this view's, cut at the window borders (no seed spans two
        windows)."""
        idx = np.concatenate([np.arange(s, e) for s, e in ranges]) if ranges else np.zeros(0, np.int64)
        view = TextView(
            self.id, self.text, self.cleaned, self.hashes[idx], self.starts[idx], self.ends[idx],
            self.capitalised[idx], self.numeric[idx], self.story[idx], self.lang, self.config,
            tuple((int(s), int(e)) for s, e in ranges), self.sentence_summary,
        )
        cached = view.__dict__  # the whole document's figures, and what the view can take from it as it is
        cached["in_quote"] = self.in_quote[idx]
        cached["total_chars"] = self.total_chars
        cached["sentence_starts"] = self.sentence_starts
        lengths = np.array([e - s for s, e in ranges], np.int64)
        # positions where no seed of a window starts hold a hash no shingle has (the maximum): they seed nothing
        seeds = np.full(len(idx), np.iinfo(np.uint64).max, np.uint64)
        found, offsets = shingle_hashes(view.hashes, np.concatenate(([0], np.cumsum(lengths))), seed_words)
        starts = np.concatenate([np.arange(o, o + max(0, n - seed_words + 1))
                                 for o, n in zip(np.concatenate(([0], np.cumsum(lengths)[:-1])).tolist(),
                                                 lengths.tolist())]) if ranges else np.zeros(0, np.int64)
        seeds[starts] = found
        view._seeds[seed_words] = seeds
        return view

    @cached_property
    def sentence_starts(self) -> np.ndarray:
        """Character offsets where the text's sentences begin (text.sentences)."""
        return sentence_starts(self.text)

    @cached_property
    def sentence_summary(self) -> tuple[int, int, int]:
        """(sentences, sentences with story characters, story characters outside quotes): what a window's sentence
        table counts shares of."""
        return self.whole_sentences or sentence_summary(self)

    @cached_property
    def has_quotes(self) -> bool:
        return bool(self.in_quote.any())

    @cached_property
    def in_quote(self) -> np.ndarray:
        """True for tokens inside a quotation: material that independent reports of one event share legitimately."""
        return inside_quotes(self.text, self.starts, self.config)

    @cached_property
    def sentences(self) -> SentenceTable:
        """The document's sentence table (text.sentences), built on first use."""
        return sentence_table(self)

    @cached_property
    def anchors(self) -> np.ndarray:
        """Numbers and capitalised words: what survives translation (text.tokens.anchor_mask)."""
        return anchor_mask(self.hashes, self.starts, self.ends, self.capitalised, self.numeric,
                           is_function(self.hashes), self.config.anchor_min_digits)

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
