"""Fuzzing the readers and the text layer: random bytes, random JSON shapes and random Unicode in; no crash, no hang,
every input a Document or a named Skip, every offset inside its text.

The first tests pin the crashes the fuzzing found. The random tests after them run a bounded number of examples
each (the whole file in well under a minute on two cores); COPYTRACE_FUZZ_EXAMPLES=N multiplies the counts for a
longer run. No example database: nothing is written to the tree.
"""
from __future__ import annotations

import json

from conftest import EXAMPLES, read_jsonl, run_cli
from copytrace import Document, RecordFields, ScanConfig, Skip, read_inputs, scan_documents

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")


# ---- crashes found, pinned ---------------------------------------------------------------------------------------

def _jsonl_that_standard_json_cannot_parse():
    """Lines orjson refuses and the standard parser fails on with something other than a JSONDecodeError."""
    return [
        '{"id": "deep", "text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}",  # RecursionError
        '{"id": ' + "7" * 5000 + ', "text": "x"}',  # ValueError: over Python's 4300 digits for int()
    ]


def test_a_jsonl_line_nested_too_deep_or_with_a_huge_number_is_a_skip_of_that_line_only(tmp_path):
    bad = _jsonl_that_standard_json_cannot_parse()
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(bad + [json.dumps({"id": "story", "text": STORY})]) + "\n", encoding="utf-8")
    items = list(read_inputs([corpus]))
    assert [(s.record, s.reason.split(" (")[0]) for s in items[:2]] == [("c.jsonl:1", "malformed JSON"),
                                                                       ("c.jsonl:2", "malformed JSON")]
    assert isinstance(items[2], Document) and items[2].id == "story"
    code, _, stderr = run_cli("scan", "-", "--out", tmp_path / "out", "--layers", "lexical", "--quiet",
                              input_text=corpus.read_text(encoding="utf-8"))
    assert code == 1, stderr
    assert "Traceback" not in stderr and "<stdin>:1" in stderr and "<stdin>:2" in stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["story"]


def test_a_lone_surrogate_from_a_json_escape_is_scanned_by_every_layer(tmp_path):
    """JSON may escape half a surrogate pair ("\\ud800"); the str that holds it cannot go to the C++ models
    (fastText for the language, SentencePiece for embeddings and word rarity) as it is."""
    german = ("Der Hund lief am Morgen über die Straße und bellte laut, als der Briefträger kam. Die Nachbarn "
              "schauten aus dem Fenster und lachten über das Schauspiel.")
    rows = [{"id": "story", "text": STORY}, {"id": "copy", "text": "\ud800" + STORY + "\udfff"},
            {"id": "german", "text": german + " \ud83d"}, {"id": "german-copy", "text": german}]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")  # ensure_ascii: escaped
    code, _, stderr = run_cli("scan", corpus, "--out", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    docs = {d["id"]: d for d in read_jsonl(tmp_path / "out" / "documents.jsonl")}
    assert docs["german"]["lang"] == "de" and docs["copy"]["chars"] == len(STORY) + 2
    pairs = {frozenset((p["a"], p["b"])) for p in read_jsonl(tmp_path / "out" / "pairs.jsonl")}
    assert {frozenset(("story", "copy")), frozenset(("german", "german-copy"))} <= pairs


def test_a_parquet_value_python_cannot_hold_costs_its_row_not_the_file(tmp_path):
    """Arrow holds dates and durations beyond Python's datetime range; converting a batch with one of them fails."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    far = {"date32": pa.array([0, 2**30, 0], pa.date32()), "timestamp": pa.array([0, 2**62, 0], pa.timestamp("ns")),
           "duration": pa.array([0, 2**62, 0], pa.duration("s"))}
    for column, values in far.items():
        corpus = tmp_path / f"{column}.parquet"
        pq.write_table(pa.table({"id": ["a", "b", "c"], "text": [STORY, OTHER, STORY], column: values}), corpus)
        a, b, c = read_inputs([corpus])
        assert isinstance(a, Document) and isinstance(c, Document) and c.id == "c", column
        assert isinstance(b, Skip) and b.record == f"{column}.parquet:row 2" and column in b.reason, column
