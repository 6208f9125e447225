"""The deduplicated corpus, in the format it came in (JSONL, JSONL.gz or Parquet), and the sidecar of drops."""
from __future__ import annotations

import gzip
from collections.abc import Iterable
from pathlib import Path

from copytrace.document import Document, Skip
from copytrace.read import RecordFields
from copytrace.write.atomic import atomic_path, json_line

PARQUET_ROWS_PER_GROUP = 10_000


def output_format(out: Path, inputs: list[Path]) -> str:
    name = out.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    if any(p.name.lower().endswith(".parquet") for p in inputs):
        return "parquet"
    return "jsonl"


def _record(doc: Document, fields: RecordFields) -> dict:
    row = {fields.id: doc.id, fields.text: doc.text}
    row.update(doc.metadata)
    if doc.path and not doc.metadata and fields.id == "id":  # a plain file: say where it came from
        row["path"] = doc.path
    return row


def write_corpus(docs: Iterable[Document | Skip], dropped: set[str], out: Path, fmt: str, fields: RecordFields) -> int:
    """Write every document not in `dropped`; returns how many were kept."""
    kept = 0
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

            for doc in docs:
                if isinstance(doc, Document) and doc.id not in dropped:
                    batch.append(_record(doc, fields))
                    kept += 1
                    if len(batch) >= PARQUET_ROWS_PER_GROUP:
                        flush()
            flush()
            if writer is None:
                pq.write_table(pa.table({fields.id: pa.array([], pa.string()), fields.text: pa.array([], pa.string())}), tmp)
            else:
                writer.close()
        else:
            opener = gzip.open if out.name.lower().endswith(".gz") else open
            with opener(tmp, "wb") as f:
                for doc in docs:
                    if isinstance(doc, Document) and doc.id not in dropped:
                        f.write(json_line(_record(doc, fields)))
                        kept += 1
    return kept
