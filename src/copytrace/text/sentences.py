"""Sentences of a text, and the keys each is compared on: its function-word skeleton and its content words.

Quotations are masked out (reports of one event share quotes legitimately). The skeleton is trigrams of a
sentence's function-word sequence: a spinner swaps content words and keeps these in order (Stamatatos 2011). The
content words are its lower-case words outside the function words (names excluded: independent reports share names).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from copytrace.arrays import distinct_holdings
from copytrace.text.tokens import shingle_hashes
from copytrace.text.words import is_function

# A sentence ends at . ! ? (with closing quotes or brackets) before a capital, digit or opening quote, or at a line
# break. Scraped pages often lose the break between paragraphs to a dash ("the shooting.- Authorities", "trade
# deal. - David Davis") or with no space at all ("he said.According to"), which ends a sentence too. Initials
# ("Laura K. Cooper") and common abbreviations do not.
# Chinese and Japanese full stops, and the Devanagari and Arabic ones, end a sentence wherever they stand. A new
# sentence opens with a capital (Latin, Greek, Cyrillic), a digit, or a letter of a script without case.
_SENTENCE_OPENER = "A-Z0-9À-ÖØ-ÞΑ-ΩА-ЯЁ\u0590-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u9fff\uac00-\ud7af"
# (Every branch starts at one of the stop characters, and the lookahead in front says so: the regex engine then
# tries only there, and the pattern costs a third of its time.)
_BOUNDARY = re.compile(
    r"(?=[.!?。！？।؟\n])(?:"
    r"[.!?][\"”’'“»›)\]]*(?:\s*[-–—]+\s*|\s+)(?=[\"“‘'„«‹¿¡(\[]?[" + _SENTENCE_OPENER + r"])"
    r"|[.!?](?<=[a-z][a-z][.!?])[”’]?(?=[\"“]?[A-Z][a-z])"  # the space lost too: "he said.According to"
    r"|[。！？।؟][”’」』）)]*\s*|\n\s*)"
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr no vs gen gov sen rep lt col capt prof inc co corp ltd mt ft u.s u.k e.g i.e jan feb "
    "aug sept sep oct nov dec".split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]$")
_MONTH_AFTER_ORDINAL = re.compile(
    r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
)


@dataclass
class SentenceTable:
    """A document's sentences as token ranges, and the (sentence, key) sets each is compared on."""

    bounds: np.ndarray  # (n, 2) token ranges [start, end)
    skeleton: tuple[np.ndarray, np.ndarray]  # (sentence index, key) rows, each key once per sentence
    content: tuple[np.ndarray, np.ndarray]
    chars: np.ndarray  # story characters of each sentence, quotes excluded
    #: for the table of a window of a long document (text.view.TextView.window): the whole document's sentences,
    #: those with story characters, and its story characters, which coverage and sentence counts are shares of
    whole: tuple[int, int, int] | None = None

    def __len__(self) -> int:
        return len(self.bounds)

    @property
    def document_sentences(self) -> int:
        return len(self) if self.whole is None else self.whole[0]

    @property
    def document_usable_sentences(self) -> int:
        return int((self.chars > 0).sum()) if self.whole is None else self.whole[1]

    @property
    def document_chars(self):
        return self.chars.sum() if self.whole is None else self.whole[2]


def sentence_starts(text: str) -> np.ndarray:
    """Character offsets where a new sentence begins."""
    starts = [0]
    for m in _BOUNDARY.finditer(text):
        if m.group()[0].isspace():
            starts.append(m.end())
            continue
        before = _WORD_BEFORE.search(text, max(0, m.start() - 20), m.start() + 1)
        word = before.group(1).lower().rstrip(".") if before else ""
        if (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS:
            continue
        if word.isdigit() and len(word) <= 2 and _MONTH_AFTER_ORDINAL.match(text, m.end()):
            continue  # a German date, "am 15. März"
        starts.append(m.end())
    return np.array(sorted(set(starts)), dtype=np.int64)


def sentence_table(view) -> SentenceTable:
    """The sentence table of a TextView (text.view), its skeleton keys of TextConfig.skeleton_gram words."""
    n_tok = len(view)
    if n_tok == 0:
        empty = (np.zeros(0, np.int64), np.zeros(0, np.uint64))
        return SentenceTable(np.zeros((0, 2), np.int64), empty, empty, np.zeros(0, np.int64))
    sentence_of = np.searchsorted(view.sentence_starts, view.starts, side="right") - 1
    cuts = np.flatnonzero(np.diff(sentence_of)) + 1
    bounds = np.stack([np.concatenate(([0], cuts)), np.concatenate((cuts, [n_tok]))], axis=1)
    sentence = np.repeat(np.arange(len(bounds)), bounds[:, 1] - bounds[:, 0])
    usable = view.story & ~view.in_quote
    function = is_function(view.hashes)
    sentence_initial = np.zeros(n_tok, bool)
    sentence_initial[bounds[:, 0]] = True

    # skeleton trigrams: sentences play the part of documents, so n-grams never cross a sentence border
    keep = function & usable
    f_hashes, f_sentence = view.hashes[keep], sentence[keep]
    f_offsets = np.searchsorted(f_sentence, np.arange(len(bounds) + 1))
    grams, g_offsets = shingle_hashes(f_hashes, f_offsets, view.config.skeleton_gram)
    g_sentence = np.repeat(np.arange(len(bounds)), np.diff(g_offsets))
    skeleton = distinct_holdings(g_sentence, grams)

    content_token = usable & ~function & ~view.numeric & (~view.capitalised | sentence_initial)
    content = distinct_holdings(sentence[content_token], view.hashes[content_token])
    chars = np.add.reduceat(np.where(usable, view.token_chars, 0), bounds[:, 0])
    return SentenceTable(bounds, skeleton, content, chars, view.whole_sentences)


def sentence_summary(view) -> tuple[int, int, int]:
    """(sentences, sentences with story characters, story characters outside quotes) of a whole view, without its
    sentence table's keys."""
    if len(view) == 0:
        return 0, 0, 0
    sentence_of = np.searchsorted(view.sentence_starts, view.starts, side="right") - 1
    first = np.flatnonzero(np.concatenate(([True], sentence_of[1:] != sentence_of[:-1])))
    chars = np.add.reduceat(np.where(view.story & ~view.in_quote, view.token_chars, 0), first)
    return len(first), int((chars > 0).sum()), int(chars.sum())


def sentence_text(view, table: SentenceTable, k: int) -> str:
    s, e = table.bounds[k]
    return view.text[int(view.starts[s]):int(view.ends[e - 1])]
