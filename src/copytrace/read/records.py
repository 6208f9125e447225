"""Corpora of records: JSONL (optionally gzipped), Parquet and CSV, each record an id and a text."""
from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from copytrace.document import Document, RecordFields, Skip

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".json.gz", ".parquet", ".csv", ".tsv")
#: the input that means standard input (JSONL records), and the name its records are found under.
STDIN = "-"
STDIN_NAME = "<stdin>"


def is_record_file(path: Path) -> bool:
    return path.name.lower().endswith(RECORD_SUFFIXES)


def record_to_document(row: dict[str, Any], where: str, fields: RecordFields, path: str | Path) -> Document | Skip:
    if fields.id not in row or row[fields.id] in (None, ""):
        return Skip(where, f"no {fields.id!r} field")
    doc_id = str(row[fields.id])
    text = row.get(fields.text)
    if not isinstance(text, str):
        return Skip(where, f"field {fields.text!r} is missing or not a string", doc_id)
    if not text or text.isspace():  # (no stripped copy of a long text)
        return Skip(where, "empty text", doc_id)
    date = row.get(fields.date) if fields.date else None
    metadata = {k: v for k, v in row.items() if k not in (fields.id, fields.text)} if len(row) > 2 else {}
    return Document(id=doc_id, text=text, path=str(path), date=None if date in (None, "") else str(date), metadata=metadata)


def _loads(raw: bytes) -> Any:
    """orjson (several times faster on long texts), and the standard parser for what orjson refuses that JSON
    allows (an escaped lone surrogate), so the error a bad line reports is the standard one. Besides
    JSONDecodeError the standard parser raises ValueError for an integer of over 4300 digits and RecursionError
    for nesting deeper than the interpreter's stack. orjson reads an integer beyond 64 bits as a float, losing
    digits (two long numeric ids would become one): a line with 19 digits in a row goes to the standard parser."""
    if _NINETEEN_DIGITS not in raw.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


#: a run of digits that may be an integer beyond 64 bits (-9223372036854775809 has 19), found by mapping every
#: digit to 0 and searching for nineteen zeros: a regular expression cost 30 us on a 3 kB line, this 2 us
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | Skip]]:
    name = path.name
    with gzip.open(path, "rb") if name.lower().endswith(".gz") else open(path, "rb", buffering=1 << 20) as f:
        yield from _jsonl_lines(f, name)


def _jsonl_lines(lines: Iterable[bytes], name: str) -> Iterator[tuple[str, dict[str, Any] | Skip]]:
    for n, raw in enumerate(lines, 1):
        where = f"{name}:{n}"
        if raw.isspace():
            continue
        try:
            row = _loads(raw)
        except (ValueError, RecursionError) as e:  # (JSONDecodeError and UnicodeDecodeError are ValueErrors)
            yield where, Skip(where, f"malformed JSON ({e})")
            continue
        if not isinstance(row, dict):
            yield where, Skip(where, "not a JSON object")
            continue
        yield where, row


def _parquet_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | Skip, tuple[Any, int]]]:
    """Each row with where it is and its place in its record batch (Document.arrow_row)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    n = 0
    for batch in pf.iter_batches(batch_size=2048):
        try:
            rows = batch.to_pylist()
        except (ValueError, OverflowError):  # a value beyond Python's range (a date past year 9999): find its row
            rows = None
        for k in range(batch.num_rows):
            n += 1
            where = f"{path.name}:row {n}"
            yield where, _parquet_row(batch, k, where) if rows is None else rows[k], (batch, k)


def _parquet_row(batch: Any, k: int, where: str) -> dict[str, Any] | Skip:
    """Row k of a record batch, or a Skip naming the column whose value Python cannot represent."""
    row = {}
    for name, column in zip(batch.schema.names, batch.columns):
        try:
            row[name] = column[k].as_py()
        except (ValueError, OverflowError) as e:
            return Skip(where, f"column {name!r} holds a value Python cannot represent ({e})")
    return row


def _csv_rows(path: Path) -> Iterator[tuple[str, dict[str, Any] | Skip]]:
    from copytrace.read.decode import decode_text

    csv.field_size_limit(sys.maxsize)
    text = decode_text(path.read_bytes())
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    for n, row in enumerate(reader, 2):
        where = f"{path.name}:{n}"
        if None in row:
            yield where, Skip(where, "more fields than the header names")
            continue
        yield where, row


def located_records(path: Path, fields: RecordFields) -> Iterator[tuple[str, Document | Skip]]:
    """Each record of one file with where it is (`corpus.jsonl:LINE`, `corpus.parquet:row N`)."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        for where, row, arrow_row in _parquet_rows(path):
            item = row if isinstance(row, Skip) else record_to_document(row, where, fields, path)
            if isinstance(item, Document):
                item.arrow_row = arrow_row
            yield where, item
        return
    if name.endswith((".csv", ".tsv")):
        rows = _csv_rows(path)
    else:
        rows = _jsonl_rows(path)
    for where, row in rows:
        yield where, row if isinstance(row, Skip) else record_to_document(row, where, fields, path)


def located_stdin_records(fields: RecordFields) -> Iterator[tuple[str, Document | Skip]]:
    """The JSONL records piped to standard input (the input `-`), each with where it is: `<stdin>:LINE`."""
    for where, row in _jsonl_lines(sys.stdin.buffer, STDIN_NAME):
        yield where, row if isinstance(row, Skip) else record_to_document(row, where, fields, STDIN_NAME)


def read_records(path: Path, fields: RecordFields) -> Iterator[Document | Skip]:
    """Stream the documents of one record file; a bad record becomes a Skip, never an exception."""
    for _, item in located_records(path, fields):
        yield item
