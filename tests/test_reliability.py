"""Runs that must not break: corpora with no usable document, every record accounted for, output paths checked
before any work, encodings with a byte-order mark, the files a run leaves behind, standard input, --version."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES, read_jsonl, run_cli

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")
RESULT_FILES = ("documents.jsonl", "pairs.jsonl", "clusters.jsonl")


def _assert_empty_results(out):
    for name in RESULT_FILES:
        assert (out / name).read_text(encoding="utf-8") == "", name


def test_an_empty_corpus_is_done_with_empty_results(tmp_path):
    corpus = tmp_path / "z.jsonl"
    corpus.write_bytes(b"")
    code, _, stderr = run_cli("scan", corpus, "--out", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    assert "Traceback" not in stderr
    _assert_empty_results(tmp_path / "out")


@pytest.mark.parametrize("kind", ["every_row_bad", "empty_txt", "parquet_text_not_text"])
def test_a_corpus_with_no_valid_document_names_its_skips_and_writes_empty_results(tmp_path, kind):
    if kind == "every_row_bad":
        corpus = tmp_path / "bad.jsonl"
        corpus.write_text('{"id": "a", "text": \n' + json.dumps({"id": "b", "text": ""}) + "\n", encoding="utf-8")
        named = ["bad.jsonl:1", "bad.jsonl:2"]
    elif kind == "empty_txt":
        corpus = tmp_path / "empty.txt"
        corpus.write_bytes(b"")
        named = ["empty.txt"]
    else:
        corpus = tmp_path / "numbers.parquet"
        pq.write_table(pa.table({"id": ["a", "b"], "text": [1, 2]}), corpus)
        named = ["numbers.parquet:row 1", "numbers.parquet:row 2"]
    code, _, stderr = run_cli("scan", corpus, "--out", tmp_path / "out", "--quiet")
    assert code == 1, stderr
    assert "Traceback" not in stderr
    for where in named:
        assert where in stderr
    _assert_empty_results(tmp_path / "out")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-8-sig", "utf-32-le", "utf-32-be"])
def test_a_text_with_a_byte_order_mark_is_read_in_its_encoding(tmp_path, encoding):
    import codecs

    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-8-sig": b"",
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "story.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "corpus" / "copy.txt").write_bytes(bom + STORY.encode(encoding))
    code, _, stderr = run_cli("scan", tmp_path / "corpus", "--out", tmp_path / "out", "--layers", "lexical", "--quiet")
    assert code == 0, stderr
    docs = {d["id"]: d for d in read_jsonl(tmp_path / "out" / "documents.jsonl")}
    assert docs["copy.txt"]["chars"] == len(STORY)
    [pair] = read_jsonl(tmp_path / "out" / "pairs.jsonl")
    assert pair["kind"] == "exact"
