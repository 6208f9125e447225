"""The deduplicated corpus, in the format it came in (JSONL, JSONL.gz, Parquet or CSV).

The corpus is read once: as the documents stream into the scan, each one's record is spilled to an unnamed
temporary file (RecordSpill), and the kept ones are written from there once the scan has said which to drop."""
from __future__ import annotations

import csv
import gzip
import json
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from copytrace.document import Document, Skip
from copytrace.read import RecordFields
from copytrace.read.records import STDIN_NAME, is_record_file
from copytrace.write.atomic import atomic_path, json_line

PARQUET_ROWS_PER_GROUP = 10_000
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def output_format(out: Path, inputs: Iterable[str | Path]) -> str:
    """By the output's name; else the inputs' format (Parquet, then CSV), else JSONL."""
    name = out.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    names = [Path(p).name.lower() for p in inputs]
    if any(n.endswith(".parquet") for n in names):
        return "parquet"
    if any(n.endswith((".csv", ".tsv")) for n in names):
        return "csv"
    return "jsonl"


def document_record(doc: Document, fields: RecordFields) -> dict[str, Any]:
    """The record a document was read from: its id, its text and every other field it had."""
    row = {fields.id: doc.id, fields.text: doc.text}
    row.update(doc.metadata)
    if doc.path and not doc.metadata and fields.id == "id" and _is_plain_file(doc.path):  # say where it came from
        row["path"] = doc.path
    return row


def _is_plain_file(path: str) -> bool:
    """A text file, not a record corpus (whose records come out with the fields they had, and no others)."""
    return path != STDIN_NAME and not is_record_file(Path(path))


class RecordSpill:
    """The records of a corpus, in reading order, in an unnamed temporary file (gone however the run ends).

    Pickled, so a Parquet column keeps its type (dates, integers) on its way to the output; the column names are
    gathered in order of first appearance, for a CSV header."""

    def __init__(self, fields: RecordFields, directory: str | None = None) -> None:
        self.fields = fields
        self.columns: dict[str, None] = {}
        self._file = tempfile.TemporaryFile(prefix="copytrace-records-", suffix=".bin", dir=directory,
                                            buffering=1 << 20)

    def passing(self, items: Iterable[Document | Skip]) -> Iterator[Document | Skip]:
        """The same stream, each document's record spilled as it goes by."""
        for item in items:
            if isinstance(item, Document):
                row = document_record(item, self.fields)
                self.columns.update(dict.fromkeys(row))
                pickle.dump((item.id, row), self._file, protocol=pickle.HIGHEST_PROTOCOL)
            yield item

    def rows(self, dropped: set[str] | frozenset[str] = frozenset()) -> Iterator[dict[str, Any]]:
        """The spilled records, in reading order, less the dropped ids."""
        self._file.flush()
        self._file.seek(0)
        while True:
            try:
                doc_id, row = pickle.load(self._file)
            except EOFError:
                return
            if doc_id not in dropped:
                yield row

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "RecordSpill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_corpus(rows: Iterable[dict[str, Any]], out: Path, fmt: str, columns: Iterable[str] = ()) -> int:
    """Write the records whole, in `fmt` (`columns`: the CSV header and an empty Parquet file's schema); returns
    how many were written."""
    kept = 0
    columns = list(columns)
    with atomic_path(out) as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer, batch = None, []

            def flush() -> None:
                nonlocal writer, batch
                if not batch:
                    return
                table = pa.Table.from_pylist(batch)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table.cast(writer.schema) if table.schema != writer.schema else table)
                batch = []

            for row in rows:
                batch.append(row)
                kept += 1
                if len(batch) >= PARQUET_ROWS_PER_GROUP:
                    flush()
            flush()
            if writer is None:
                pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), tmp)
            else:
                writer.close()
        elif fmt == "csv":
            delimiter = CSV_SUFFIXES.get(out.suffix.lower(), ",")
            with open(tmp, "w", encoding="utf-8", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=columns, delimiter=delimiter, restval="")
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: _csv_cell(v) for k, v in row.items()})
                    kept += 1
        else:
            opener = gzip.open if out.name.lower().endswith(".gz") else open
            with opener(tmp, "wb") as f:
                for row in rows:
                    f.write(json_line(row))
                    kept += 1
    return kept
