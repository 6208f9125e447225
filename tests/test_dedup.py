"""`copytrace dedup`: one document kept per family, partial reuse kept, malformed lines named, same format out."""
import json

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import EXAMPLES, read_jsonl, run_cli

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
LATER = (EXAMPLES / "later-version.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")
FURNITURE_TOP = "Home | World | Business\nPost author: admin\n"
FURNITURE_END = "\nShare this: Facebook Twitter\nLeave a Reply\nYour email address will not be published.\n"


def _corpus():
    return [
        {"id": "story", "text": STORY, "date": "2024-03-03"},
        {"id": "story-exact-copy", "text": "  " + STORY.upper().replace("\n\n", "\n") + " ", "date": "2024-03-05"},
        {"id": "storm", "text": OTHER, "date": "2024-03-04"},
        {"id": "storm-repost", "text": FURNITURE_TOP + OTHER + FURNITURE_END, "date": "2024-03-04"},
        {"id": "later-version", "text": LATER, "date": "2024-03-04"},
    ]


def test_dedup_jsonl_drops_one_per_family_keeps_partial_and_names_the_malformed_line(tmp_path):
    src = tmp_path / "corpus.jsonl"
    lines = [json.dumps(r) for r in _corpus()]
    lines.insert(3, '{"id": "cut-off", "text": "half a rec')
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "deduped.jsonl"
    code, _, stderr = run_cli("dedup", src, "--out", out, "--date-field", "date", "--quiet")
    assert code == 1
    assert "corpus.jsonl:4" in stderr and "malformed JSON" in stderr
    kept = read_jsonl(out)
    assert [r["id"] for r in kept] == ["story", "storm", "later-version"]
    assert kept[0] == _corpus()[0]  # records come out whole, every field kept
    dropped = {d["id"]: d for d in read_jsonl(f"{out}.dropped.jsonl")}
    assert set(dropped) == {"story-exact-copy", "storm-repost"}
    assert dropped["story-exact-copy"]["kept"] == "story" and dropped["story-exact-copy"]["kind"] == "exact"
    assert dropped["storm-repost"]["kept"] == "storm" and dropped["storm-repost"]["kind"] == "near_duplicate"


def test_dedup_keeps_the_earliest_dated_copy(tmp_path):
    rows = [{"id": "late", "text": STORY, "date": "2024-05-01"}, {"id": "early", "text": STORY, "date": "2024-03-01"}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--date-field", "date", "--quiet")
    assert code == 0, stderr
    assert [r["id"] for r in read_jsonl(tmp_path / "d.jsonl")] == ["early"]


def test_dedup_parquet_in_parquet_out_and_partial_drop_on_request(tmp_path):
    src = tmp_path / "corpus.parquet"
    pq.write_table(pa.Table.from_pylist(_corpus()), src)
    out = tmp_path / "deduped.parquet"
    code, _, stderr = run_cli("dedup", src, "--out", out, "--date-field", "date", "--drop-partial-above", "0.4", "--quiet")
    assert code == 0, stderr
    kept = pq.read_table(out).to_pylist()
    assert [r["id"] for r in kept] == ["story", "storm"]
    assert set(kept[0]) == {"id", "text", "date"}
    dropped = {d["id"]: d for d in read_jsonl(f"{out}.dropped.jsonl")}
    assert dropped["later-version"]["kind"] == "partial" and dropped["later-version"]["kept"] == "story"
