"""Readers: files, folders and record corpora in; a stream of Documents (and Skips for what could not be used) out."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from copytrace.document import Document, Skip
from copytrace.read.files import read_text_file, walk_folder
from copytrace.read.records import STDIN, RecordFields, is_record_file, located_records, located_stdin_records
from copytrace.read.warc import is_warc_file, located_warc_records
from copytrace.text.tokens import tokenize

__all__ = ["InputError", "RecordFields", "read_inputs"]


class InputError(Exception):
    """An input path that cannot be read at all (missing, unreadable): bad usage, exit code 2."""


def _read_path(path: Path, rel_id: str, fields: RecordFields) -> Iterator[tuple[str, Document | Skip]]:
    """Each document or skip of one file, with where it is: the file, or its line or row in a record corpus."""
    if is_record_file(path) or is_warc_file(path):
        try:
            yield from located_warc_records(path) if is_warc_file(path) else located_records(path, fields)
        except Exception as e:  # a corrupt archive or Parquet file costs that file, not the corpus
            yield str(path), Skip(str(path), f"unreadable corpus file: {e}")
    else:
        yield str(path), read_text_file(path, rel_id)


_HAS_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def words_short_of(text: str, min_words: int) -> int | None:
    """The number of words (tokens) of a text that has fewer than min_words, else None. Cheap for ordinary texts:
    min_words whitespace-separated pieces that each hold a letter or digit are enough words, without tokenising."""
    if min_words <= 0:
        return None
    pieces = text.split(None, min_words)
    if len(pieces) > min_words and all(map(_HAS_LETTER_OR_DIGIT.search, pieces[:min_words])):
        return None
    n = int(tokenize([text]).doc_offsets[-1])
    return n if n < min_words else None


def read_inputs(
    paths: Iterable[str | Path], fields: RecordFields = RecordFields(), min_words: int = 0
) -> Iterator[Document | Skip]:
    """Every document under the given paths, in order. Duplicate ids: the first wins, later ones are skipped. A text
    of fewer than min_words words (ReadConfig.min_document_words) is skipped as too short to compare.

    A document's id is its path relative to the argument that found it (POSIX separators), its record id, or in a
    WARC file its page's URI (read.warc).
    The path `-` is standard input, read as JSONL records."""
    paths = [Path(p) for p in paths]
    for p in paths:
        if str(p) != STDIN and not p.exists():
            raise InputError(f"no such file or folder: {p}")
    seen: set[str] = set()
    for p in paths:
        if str(p) == STDIN:
            located = located_stdin_records(fields)
        elif p.is_dir():
            located = (x for f in walk_folder(p) for x in _read_path(f, f.relative_to(p).as_posix(), fields))
        else:
            located = _read_path(p, p.name, fields)
        for where, item in located:
            if isinstance(item, Document):
                item.record = where
                short = words_short_of(item.text, min_words)
                if short is not None:
                    item = Skip(where, f"too short to compare: {short} word{'' if short == 1 else 's'}, fewer than "
                                       f"{min_words}", item.id)
                elif item.id in seen:
                    item = Skip(where, f"duplicate id {item.id!r}", item.id)
                else:
                    seen.add(item.id)
            yield item
