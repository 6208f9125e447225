"""The deduplicated corpus, in the format it came in (JSONL, JSONL.gz, Parquet or CSV), every record whole.

The corpus is read once: as the documents stream into the scan, each one's record is spilled to unnamed temporary
files (RecordSpill), and the kept ones are written from there once the scan has said which to drop.

What each value becomes: Parquet to Parquet keeps the input's Arrow rows and schema exactly; JSONL and CSV write
each value in its JSON or text form (write.values); Parquet from JSONL or CSV, or from Parquet files of different
schemas, gives each column the one Arrow type its values share (Arrow's permissive promotion: int and float make
float, structs merge their fields), else makes it a text column of each value's CSV form. A record with a value its
output cannot hold is a skip naming its row and column, never an exception."""
from __future__ import annotations

import csv
import gzip
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from copytrace.document import Document, Skip
from copytrace.read import RecordFields
from copytrace.read.records import STDIN_NAME, is_record_file
from copytrace.write.atomic import atomic_path, json_line
from copytrace.write.values import UnwritableValue, json_form, text_cell

PARQUET_ROWS_PER_GROUP = 10_000
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
#: what pyarrow raises for a value an Arrow type cannot hold (a string that is no UTF-8, an int beyond 64 bits)
_ARROW_VALUE_ERRORS = (ValueError, TypeError, OverflowError, NotImplementedError)


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


class _ArrowRef(NamedTuple):
    """A spilled Arrow row: which stream (one per schema) and which row of it."""

    stream: int
    row: int


class _ArrowStream:
    """Arrow rows of one schema, as an Arrow IPC stream in an unnamed temporary file."""

    def __init__(self, schema: Any, directory: str | None) -> None:
        import pyarrow as pa

        self.schema = schema
        self.rows = 0
        self._file = tempfile.TemporaryFile(prefix="copytrace-arrow-", suffix=".arrows", dir=directory)
        self._writer = pa.ipc.new_stream(self._file, schema)

    def write(self, batch: Any) -> None:
        self._writer.write_batch(batch)

    def read(self) -> Iterator[Any]:
        """The spilled batches, in order (after which nothing more can be written)."""
        import pyarrow as pa

        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._file.seek(0)
        yield from pa.ipc.open_stream(self._file)

    def close(self) -> None:
        self._file.close()


class _ArrowCursor:
    """Rows of a stream by increasing number, each as (its batch, its index there)."""

    def __init__(self, stream: _ArrowStream) -> None:
        self._batches = stream.read()
        self._batch, self._start = None, 0

    def row(self, n: int) -> tuple[Any, int]:
        while self._batch is None or n >= self._start + self._batch.num_rows:
            if self._batch is not None:
                self._start += self._batch.num_rows
            self._batch = next(self._batches)
        return self._batch, n - self._start


class RecordSpill:
    """The records of a corpus, in reading order, in unnamed temporary files (gone however the run ends), each in
    the form its output takes.

    For JSONL and CSV the line or the cells are made as the record goes by, so a record that cannot be written is a
    skip before the scan (it never becomes the document a family keeps). For Parquet, a Parquet record is kept as
    its Arrow row (one Arrow IPC stream per schema), any other as its values, pickled; the column names are
    gathered in order of first appearance, for a CSV header and a Parquet schema."""

    def __init__(self, fields: RecordFields, fmt: str = "jsonl", directory: str | None = None) -> None:
        self.fields, self.fmt = fields, fmt
        self.columns: dict[str, None] = {}
        self.value_rows = 0  # records spilled as values, not Arrow rows
        self._directory = directory
        self._file = tempfile.TemporaryFile(prefix="copytrace-records-", suffix=".bin", dir=directory,
                                            buffering=1 << 20)
        self._streams: list[_ArrowStream] = []
        self._pending: tuple[Any, int, list[int]] | None = None  # (record batch, stream, rows of it to spill)
        self._values_of: tuple[Any, list[dict[str, Any]]] | None = None  # the last batch's rows as values

    @property
    def schemas(self) -> list[Any]:
        """The Arrow schemas of the spilled Parquet records (Parquet output only)."""
        return [s.schema for s in self._streams]

    def passing(self, items: Iterable[Document | Skip]) -> Iterator[Document | Skip]:
        """The same stream, each document's record spilled as it goes by; a document whose record cannot be
        written in the output format becomes a skip naming the column."""
        for item in items:
            if isinstance(item, Document):
                item = self._spill(item)
            yield item

    def _spill(self, doc: Document) -> Document | Skip:
        arrow_row, doc.arrow_row = doc.arrow_row, None
        if self.fmt == "parquet" and arrow_row is not None:
            entry: Any = self._spill_arrow(*arrow_row)
            names = arrow_row[0].schema.names
        else:
            row = document_record(doc, self.fields) if arrow_row is None else self._values(*arrow_row)
            try:
                entry = _formed(row, self.fmt)
            except UnwritableValue as e:
                return Skip(doc.record or doc.path or doc.id, f"cannot be written as {self.fmt.upper()}: {e}", doc.id)
            names = row
            self.value_rows += 1
        self.columns.update(dict.fromkeys(names))
        pickle.dump((doc.id, doc.record or doc.id, entry), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        return doc

    def _values(self, batch: Any, k: int) -> dict[str, Any]:
        """Row k of a record batch as Python values, a map as a dict where no key repeats (else as pairs)."""
        if self._values_of is None or self._values_of[0] is not batch:
            try:
                rows = batch.to_pylist(maps_as_pydicts="strict")
            except (KeyError, ValueError, OverflowError):  # a repeated map key, a value beyond Python's range
                rows = [None] * batch.num_rows
            self._values_of = (batch, rows)
        rows = self._values_of[1]
        if rows[k] is None:
            rows[k] = batch.slice(k, 1).to_pylist()[0]  # (the reader skipped a row Python cannot hold)
        return rows[k]

    def _spill_arrow(self, batch: Any, k: int) -> _ArrowRef:
        if self._pending is None or self._pending[0] is not batch:
            self._flush_arrow()
            stream = next((i for i, s in enumerate(self._streams) if s.schema.equals(batch.schema, check_metadata=True)),
                          None)
            if stream is None:
                self._streams.append(_ArrowStream(batch.schema, self._directory))
                stream = len(self._streams) - 1
            self._pending = (batch, stream, [])
        _, stream, rows = self._pending
        rows.append(k)
        self._streams[stream].rows += 1
        return _ArrowRef(stream, self._streams[stream].rows - 1)

    def _flush_arrow(self) -> None:
        if self._pending is not None:
            batch, stream, rows = self._pending
            self._streams[stream].write(batch.take(rows))
            self._pending = None

    def records(self, dropped: set[str] | frozenset[str] = frozenset()) -> Iterator[tuple[str, str, Any]]:
        """(id, where it was read, its spilled form) of each spilled record, in reading order, less the dropped
        ids; an Arrow row's form is (its record batch, its index there)."""
        self._flush_arrow()
        self._file.flush()
        self._file.seek(0)
        cursors = [_ArrowCursor(s) for s in self._streams]
        while True:
            try:
                doc_id, where, entry = pickle.load(self._file)
            except EOFError:
                return
            if isinstance(entry, _ArrowRef):
                entry = cursors[entry.stream].row(entry.row)  # (a dropped row too: the cursor only goes forward)
            if doc_id not in dropped:
                yield doc_id, where, entry

    def close(self) -> None:
        self._file.close()
        for s in self._streams:
            s.close()

    def __enter__(self) -> "RecordSpill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _formed(row: dict[str, Any], fmt: str) -> Any:
    """A record as its output takes it: a JSONL line, CSV cells, or (Parquet) its values as they are."""
    if fmt == "parquet":
        return row
    form = text_cell if fmt == "csv" else json_form
    values = {}
    for name, value in row.items():
        try:
            values[name] = form(value)
        except UnwritableValue as e:
            raise UnwritableValue(f"column {name!r} holds a value with no {fmt.upper()} form ({e})") from None
    return values if fmt == "csv" else json_line(values)


def write_corpus(spill: RecordSpill, out: Path, dropped: set[str] | frozenset[str] = frozenset(),
                 columns: Iterable[str] = ()) -> tuple[int, list[Skip]]:
    """Write the spilled records less the dropped ids, whole, in the spill's format (`columns`: the header or the
    schema when nothing was spilled); returns how many were written, and the skips of those that could not be."""
    columns = list(spill.columns or dict.fromkeys(columns))
    kept, skips = 0, []
    with atomic_path(out) as tmp:
        if spill.fmt == "parquet":
            kept, skips = _write_parquet(spill, dropped, tmp, columns)
        elif spill.fmt == "csv":
            delimiter = CSV_SUFFIXES.get(out.suffix.lower(), ",")
            # a lone surrogate (a JSON escape "\ud800") is written as JSONL writes it (write.atomic.json_line)
            with open(tmp, "w", encoding="utf-8", errors="surrogatepass", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=columns, delimiter=delimiter, restval="")
                writer.writeheader()
                for _, _, cells in spill.records(dropped):
                    writer.writerow(cells)
                    kept += 1
        else:
            opener = gzip.open if out.name.lower().endswith(".gz") else open
            with opener(tmp, "wb") as f:
                for _, _, line in spill.records(dropped):
                    f.write(line)
                    kept += 1
    return kept, skips


def _write_parquet(spill: RecordSpill, dropped: set[str] | frozenset[str], tmp: Path,
                   columns: list[str]) -> tuple[int, list[Skip]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if len(spill.schemas) == 1 and not spill.value_rows:  # Parquet in, one schema: its rows, exactly
        schema, text_columns = spill.schemas[0], set()
    else:
        schema, text_columns = _parquet_schema(spill, dropped, columns)
    writer, kept, skips = pq.ParquetWriter(tmp, schema), 0, []
    try:
        tables, rows = [], 0
        for chunk in _chunks(spill.records(dropped)):
            if isinstance(chunk, tuple):  # Arrow rows of one batch
                batch, indices = chunk
                if batch.schema.equals(schema, check_metadata=True):
                    table = pa.Table.from_batches([batch.take(indices)])
                else:
                    table, chunk_skips = _table_of_values(
                        [(where, doc_id, row) for (doc_id, where), row in zip(indices.wheres, batch.take(indices).to_pylist())],
                        schema, text_columns)
                    skips += chunk_skips
            else:
                table, chunk_skips = _table_of_values(chunk, schema, text_columns)
                skips += chunk_skips
            tables.append(table)
            rows += table.num_rows
            if rows >= PARQUET_ROWS_PER_GROUP:
                writer.write_table(pa.concat_tables(tables))
                kept, tables, rows = kept + rows, [], 0
        if tables:
            writer.write_table(pa.concat_tables(tables))
            kept += rows
    finally:
        writer.close()
    return kept, skips


class _Indices(list):
    """Row indices into one record batch, with each row's (id, where)."""

    def __init__(self) -> None:
        super().__init__()
        self.wheres: list[tuple[str, str]] = []


def _chunks(records: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """Consecutive records grouped: Arrow rows of one batch as (batch, _Indices), value rows as lists of
    (where, id, values) up to PARQUET_ROWS_PER_GROUP."""
    batch, indices, values = None, _Indices(), []
    for doc_id, where, entry in records:
        if isinstance(entry, tuple):
            if values:
                yield values
                values = []
            if entry[0] is not batch:
                if indices:
                    yield batch, indices
                batch, indices = entry[0], _Indices()
            indices.append(entry[1])
            indices.wheres.append((doc_id, where))
        else:
            if indices:
                yield batch, indices
                batch, indices = None, _Indices()
            values.append((where, doc_id, entry))
            if len(values) >= PARQUET_ROWS_PER_GROUP:
                yield values
                values = []
    if indices:
        yield batch, indices
    if values:
        yield values


def _parquet_schema(spill: RecordSpill, dropped: set[str] | frozenset[str], columns: list[str]) -> tuple[Any, set[str]]:
    """One Arrow type per column for the records to write: the type their values share, else a text column (its
    name in the set returned). A first pass over the spill."""
    import pyarrow as pa

    types: dict[str, list[Any]] = {c: [] for c in columns}
    unwritable: set[str] = set()
    for chunk in _chunks(spill.records(dropped)):
        if isinstance(chunk, tuple):
            for field in chunk[0].schema:
                types[field.name].append(field.type)
            continue
        for name in types:
            if name in unwritable:
                continue
            try:
                types[name].append(pa.array([values.get(name) for _, _, values in chunk]).type)
            except _ARROW_VALUE_ERRORS:  # no one type (1 and "one"), or a value no type holds (2**70)
                unwritable.add(name)
    fields, text_columns = [], set(unwritable)
    for name, found in types.items():
        type_ = None if name in unwritable else _shared_type(found)
        if type_ is None:
            type_ = pa.string()
            text_columns.add(name)
        fields.append(pa.field(name, type_))
    return pa.schema(fields), text_columns


def _shared_type(types: list[Any]) -> Any:
    import pyarrow as pa

    distinct = list({str(t): t for t in types}.values())
    if not distinct:
        return pa.string()  # (a column of no rows)
    try:
        return pa.unify_schemas([pa.schema([pa.field("v", t)]) for t in distinct],
                                promote_options="permissive").field("v").type
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _table_of_values(rows: list[tuple[str, str, dict[str, Any]]], schema: Any,
                     text_columns: set[str]) -> tuple[Any, list[Skip]]:
    """The rows as a table of `schema`, less those with a value their column's type cannot hold (skips)."""
    import pyarrow as pa

    values = [{k: text_cell(v) if k in text_columns else v for k, v in row.items()} for _, _, row in rows]
    try:
        return pa.Table.from_pylist(values, schema=schema), []
    except _ARROW_VALUE_ERRORS:
        pass
    good, skips = [], []
    for (where, doc_id, _), row in zip(rows, values):
        problem = _unwritable_column(row, schema)
        if problem is None:
            good.append(row)
        else:
            skips.append(Skip(where, f"cannot be written as PARQUET: {problem}", doc_id))
    return pa.Table.from_pylist(good, schema=schema), skips


def _unwritable_column(row: dict[str, Any], schema: Any) -> str | None:
    import pyarrow as pa

    for field in schema:
        try:
            pa.array([row.get(field.name)], field.type)
        except _ARROW_VALUE_ERRORS as e:
            return f"column {field.name!r} holds a value a Parquet {field.type} cannot hold ({e})"
    return None
