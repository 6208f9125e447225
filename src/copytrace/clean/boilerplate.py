"""Boilerplate removal: site furniture around the story, kept as spans into the original text.

Cleaning never rewrites the text. It returns the spans of the original that carry the story, so every offset
computed on the kept text is already an offset into the original (the offset map is the identity on kept spans).
Three kinds of furniture go:
- lines repeated across many documents of the corpus (navigation, bylines of a site, footers): `repeated`;
- share / comment / subscribe / "Post author:" lines, by pattern;
- a trailing "Related Posts" block: teasers of other articles that must never link this document to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from copytrace import native
from copytrace.config import DEFAULTS, CleanConfig

_FURNITURE = re.compile(
    r"""^\W*(
      (share|tweet|email|print|whatsapp|facebook|twitter|linkedin|pinterest|reddit|telegram)(\s+(this|on|via|article|story|post|it))*\b
    | leave\s+a\s+(reply|comment) | post\s+author | posted\s+(on|in|by) | author\s*: | by\s+admin\b
    | \d*\s*comments?\s*(\(\d+\))?$ | no\s+comments | comments\s+are\s+closed | add\s+comment
    | subscribe | sign\s+up | newsletter | follow\s+us | join\s+us\s+on | click\s+(here|to) | like\s+this\s*:
    | you\s+must\s+be\s+logged\s+in | your\s+email\s+address\s+will\s+not | required\s+fields\s+are\s+marked
    | all\s+rights\s+reserved | copyright | © | advertisement | sponsored | cookies?\b | privacy\s+policy | terms\s+of\s+(use|service)
    | skip\s+to\s+(main\s+)?content | (previous|next)\s+(post|article|story) | tags?\s*: | categor(y|ies)\s*: | filed\s+under
    | loading\.\.\. | home\s*[»>|/] | search\s+for\s*: | read\s+more\b | continue\s+reading | photo\s*: | image\s*: | credit\s*:
    | (top|trending|popular|latest)\s+(stories|news|posts)$ | about\s+us$ | contact\s+us$ | menu$ | log\s*in$ | register$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_RELATED_HEADING = re.compile(
    r"""^\W*(related(\s+(posts?|articles?|stories|news|content|coverage|reading))?|you\s+(may|might)\s+(also\s+)?like
    | more\s+(stories|from|on\s+this|news|articles)|recommended(\s+for\s+you)?|read\s+(next|also)|also\s+read|see\s+also
    | what\s+to\s+read\s+next|further\s+reading)\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Cleaned:
    """The story's spans in the original text, how many characters they hold, and how many characters of furniture
    were left out."""

    kept: tuple[tuple[int, int], ...]
    boilerplate_chars: int
    chars: int

    def text(self, original: str) -> str:
        return "\n".join(original[s:e] for s, e in self.kept)


def line_table(
    text: str, config: CleanConfig = DEFAULTS.clean
) -> tuple[tuple[tuple[int, int], ...], list[tuple[int, int]], int]:
    """The (start, end) of each non-blank line, its surrounding whitespace left out; (line number, key) of each
    line short enough to be furniture (at most furniture_max_chars characters and furniture_max_words words: a
    story's paragraphs are longer), the key being the line's identity for counting repeats across documents: case
    and spacing do not matter; and the characters the lines hold."""
    return native.line_table(text, config.furniture_max_chars, config.furniture_max_words)


def short_line_keys(text: str, config: CleanConfig = DEFAULTS.clean) -> set[int]:
    """Keys of the lines of a document short enough to be furniture: what the corpus-wide repeat count sees."""
    return set(batch_line_keys([text], config).tolist())


def batch_line_keys(texts: list[str], config: CleanConfig = DEFAULTS.clean) -> np.ndarray:
    """short_line_keys of a batch of documents, concatenated (uint64): each document's distinct keys once."""
    return native.line_keys(texts, config.furniture_max_chars, config.furniture_max_words)


def repeated_lines(keys: np.ndarray, config: CleanConfig = DEFAULTS.clean) -> frozenset[int]:
    """Of the short-line keys of a whole corpus (batch_line_keys of every document), those held by at least
    repeated_line_min_docs documents: the corpus's furniture lines."""
    found, counts = np.unique(keys, return_counts=True)
    return frozenset(found[counts >= config.repeated_line_min_docs].tolist())


def clean(text: str, repeated: frozenset[int] | set[int] = frozenset(), config: CleanConfig = DEFAULTS.clean) -> Cleaned:
    """The spans of `text` that carry the story. `repeated` holds keys of lines that are furniture in this corpus."""
    lines, short, chars = line_table(text, config)
    dropped: set[int] = set()
    end = len(lines)
    for k, key in short:  # only a short line can be furniture; most lines are a story's paragraphs
        s, e = lines[k]
        line = text[s:e]
        if _RELATED_HEADING.match(line):
            if s >= config.related_tail_start * len(text):
                end = k  # the rest is teasers of other articles
                break
            dropped.add(k)
        elif _FURNITURE.match(line) or key in repeated:
            dropped.add(k)
    if not dropped and end == len(lines):
        return Cleaned(lines, 0, chars)
    kept = tuple(span for k, span in enumerate(lines[:end]) if k not in dropped)
    if not kept:  # all "furniture": a text is still a text
        return Cleaned(lines, 0, chars)
    kept_chars = sum([e - s for s, e in kept])
    return Cleaned(kept, chars - kept_chars, kept_chars)
