"""Readers and bad input: every format, robust decoding, skips named and counted, exit codes, atomic output."""
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES, read_jsonl, run_cli
from copytrace import RecordFields, Skip, read_inputs
from copytrace.write.atomic import write_jsonl

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")


def test_folder_reader_reads_text_markdown_html_and_latin1_and_skips_binary_and_empty(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text("# Title\n\n" + OTHER, encoding="utf-8")
    (tmp_path / "c.html").write_text(f"<html><body><article><p>{OTHER}</p></article></body></html>", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Le café de la gare a été fermé à Genève après l'incident.".encode("latin-1"))
    (tmp_path / "image.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))
    (tmp_path / "empty.txt").write_text("   \n", encoding="utf-8")
    items = list(read_inputs([tmp_path]))
    docs = {d.id: d for d in items if not isinstance(d, Skip)}
    skips = {s.record: s.reason for s in items if isinstance(s, Skip)}
    assert set(docs) == {"a.txt", "sub/b.md", "c.html", "latin.txt"}
    assert "café" in docs["latin.txt"].text and "Genève" in docs["latin.txt"].text
    assert "Heavy rain" in docs["c.html"].text and "<p>" not in docs["c.html"].text
    assert "binary" in skips["image.bin"]
    assert skips["empty.txt"] == "empty text"


def test_record_readers_jsonl_gz_parquet_csv_with_custom_fields(tmp_path):
    rows = [{"doc": "x1", "body": STORY, "when": "2024-03-03"}, {"doc": "x2", "body": OTHER, "when": "2024-03-04"}]
    with gzip.open(tmp_path / "c.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    pq.write_table(pa.Table.from_pylist([{**r, "doc": r["doc"] + "p"} for r in rows]), tmp_path / "c.parquet")
    (tmp_path / "c.csv").write_text("doc,body,when\nx1c,\"" + STORY.replace('"', '""') + "\",2024-03-03\n", encoding="utf-8")
    fields = RecordFields(id="doc", text="body", date="when")
    docs = [d for d in read_inputs([tmp_path / "c.jsonl.gz", tmp_path / "c.parquet", tmp_path / "c.csv"], fields)]
    assert [d.id for d in docs] == ["x1", "x2", "x1p", "x2p", "x1c"]
    assert docs[0].date == "2024-03-03" and docs[0].text == STORY


def test_bad_records_are_named_counted_and_cost_nothing_else(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps({"id": "a", "text": STORY}) + "\n"
        + '{"id": "broken", "text": \n'
        + json.dumps({"id": "b", "text": ""}) + "\n"
        + json.dumps({"id": "a", "text": OTHER}) + "\n"
        + json.dumps({"text": OTHER}) + "\n"
        + json.dumps({"id": "c", "text": OTHER}) + "\n",
        encoding="utf-8",
    )
    code, _, stderr = run_cli("scan", corpus, "--out", tmp_path / "out", "--quiet")
    assert code == 1
    assert "c.jsonl:2" in stderr and "malformed JSON" in stderr
    assert "c.jsonl:3" in stderr and "empty text" in stderr
    assert "duplicate id 'a'" in stderr
    assert "c.jsonl:5" in stderr and "no 'id' field" in stderr
    assert "4 input(s) skipped" in stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["a", "c"]


def test_missing_input_is_bad_usage_and_writes_nothing(tmp_path):
    code, _, stderr = run_cli("scan", tmp_path / "nope", "--out", tmp_path / "out")
    assert code == 2
    assert "no such file or folder" in stderr
    assert not (tmp_path / "out" / "pairs.jsonl").exists()


def test_unknown_option_is_bad_usage(tmp_path):
    code, _, _ = run_cli("scan", EXAMPLES, "--out", tmp_path / "o", "--layers", "telepathy")
    assert code == 2


def test_output_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "rows.jsonl"

    def rows():
        yield {"n": 1}
        raise RuntimeError("disk trouble")

    with pytest.raises(RuntimeError):
        write_jsonl(target, rows())
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
