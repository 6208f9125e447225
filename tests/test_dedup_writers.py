"""`copytrace dedup` writes every kept record whole whatever its values: Parquet to Parquet keeps the input's Arrow
schema exactly; to JSONL and CSV each Arrow type has one faithful text form (README, dedup); a value that cannot be
written is a skip naming the row and the column, never a crash after the scan."""
import base64
import csv
import datetime as dt
import json
import math
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import EXAMPLES, read_jsonl, run_cli

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")
PARIS = dt.timezone(dt.timedelta(hours=1))

#: one column of each Arrow type: (name, type, the values of rows story, story-copy, storm)
TYPED_COLUMNS = [
    ("ts", pa.timestamp("us"), [dt.datetime(2024, 3, 3, 12, 30, 15, 123456), None, dt.datetime(1969, 7, 20, 20, 17)]),
    ("ts_tz", pa.timestamp("ms", tz="Europe/Paris"),
     [dt.datetime(2024, 3, 3, 11, 0, tzinfo=dt.timezone.utc), None, dt.datetime(2024, 7, 1, 6, 0, tzinfo=dt.timezone.utc)]),
    ("ts_ns", pa.timestamp("ns"), [dt.datetime(2024, 3, 3), None, dt.datetime(2024, 3, 4, 0, 0, 1)]),
    ("day", pa.date32(), [dt.date(2024, 3, 3), dt.date(2024, 3, 5), dt.date(1900, 1, 1)]),
    ("clock", pa.time64("us"), [dt.time(12, 30, 15, 500000), None, dt.time(0, 0)]),
    ("price", pa.decimal128(12, 3), [Decimal("1234.500"), None, Decimal("-0.001")]),
    ("blob", pa.binary(), [b"\x00\xff\x10", b"", b"plain"]),
    ("big_blob", pa.large_binary(), [b"\x89PNG", None, b""]),
    ("wait", pa.duration("us"), [dt.timedelta(seconds=90, microseconds=500000), None, dt.timedelta(days=-1)]),
    ("counts", pa.list_(pa.int64()), [[1, 2, 3], [], None]),
    ("people", pa.list_(pa.struct([("name", pa.string()), ("age", pa.int32())])),
     [[{"name": "Ann", "age": 40}, {"name": "Bo", "age": None}], None, []]),
    ("place", pa.struct([("city", pa.string()), ("lat", pa.float64())]),
     [{"city": "Lyon", "lat": 45.76}, None, {"city": None, "lat": -1.5}]),
    ("tags", pa.map_(pa.string(), pa.int64()), [[("a", 1), ("b", 2)], None, []]),
    ("section", pa.dictionary(pa.int32(), pa.string()), ["world", "world", "weather"]),
    ("long_title", pa.large_string(), ["Talks resume", None, "Storm 東京 🙂"]),
    ("nothing", pa.null(), [None, None, None]),
    ("flag", pa.bool_(), [True, None, False]),
    ("ratio", pa.float64(), [math.nan, -math.inf, math.inf]),
]

#: the JSON form of each kept row's value (rows story and storm), as README's dedup paragraph says
JSON_FORMS = {
    "ts": ["2024-03-03T12:30:15.123456", "1969-07-20T20:17:00"],
    "ts_tz": ["2024-03-03T12:00:00+01:00", "2024-07-01T08:00:00+02:00"],
    "ts_ns": ["2024-03-03T00:00:00", "2024-03-04T00:00:01"],
    "day": ["2024-03-03", "1900-01-01"],
    "clock": ["12:30:15.500000", "00:00:00"],
    "price": ["1234.500", "-0.001"],
    "blob": [base64.b64encode(b"\x00\xff\x10").decode(), base64.b64encode(b"plain").decode()],
    "big_blob": [base64.b64encode(b"\x89PNG").decode(), ""],
    "wait": ["PT90.5S", "-PT86400S"],
    "counts": [[1, 2, 3], None],
    "people": [[{"name": "Ann", "age": 40}, {"name": "Bo", "age": None}], []],
    "place": [{"city": "Lyon", "lat": 45.76}, {"city": None, "lat": -1.5}],
    "tags": [{"a": 1, "b": 2}, {}],
    "section": ["world", "weather"],
    "long_title": ["Talks resume", "Storm 東京 🙂"],
    "nothing": [None, None],
    "flag": [True, False],
    "ratio": ["NaN", "Infinity"],
}


def _typed_table() -> pa.Table:
    columns = {"id": pa.array(["story", "story-copy", "storm"]), "text": pa.array([STORY, STORY.upper(), OTHER])}
    for name, type_, values in TYPED_COLUMNS:
        columns[name] = pa.array(values, type_)
    return pa.table(columns)


def _dedup(src, out, *extra):
    code, _, stderr = run_cli("dedup", src, "--out", out, "--layers", "lexical", "--quiet", *extra)
    assert "Traceback" not in stderr, stderr
    return code, stderr


def _assert_accounted(out, inputs: int, kept: int):
    dropped, skipped = read_jsonl(f"{out}.dropped.jsonl"), read_jsonl(f"{out}.skipped.jsonl")
    assert kept + len(dropped) + len(skipped) == inputs
    return dropped, skipped


def test_parquet_of_every_arrow_type_to_parquet_keeps_the_schema_and_values_exactly(tmp_path):
    src, out = tmp_path / "typed.parquet", tmp_path / "d.parquet"
    table = _typed_table()
    pq.write_table(table, src)
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    written = pq.read_table(out)
    assert written.schema.remove_metadata() == pq.read_schema(src).remove_metadata()
    for name in written.column_names:  # (Table.equals would call NaN unequal to itself)
        assert written.column(name).to_pylist() == table.column(name).take([0, 2]).to_pylist() or name == "ratio"
    assert [math.isnan(written.column("ratio")[0].as_py()), written.column("ratio")[1].as_py()] == [True, math.inf]
    dropped, _ = _assert_accounted(out, 3, written.num_rows)
    assert [d["id"] for d in dropped] == ["story-copy"]


def test_a_parquet_integer_id_stays_an_integer_when_written_back(tmp_path):
    src, out = tmp_path / "ints.parquet", tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": pa.array([7, 8, 9], pa.int64()), "text": [STORY, STORY, OTHER]}), src)
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    written = pq.read_table(out)
    assert written.schema.field("id").type == pa.int64() and written.column("id").to_pylist() == [7, 9]
    code, stderr = _dedup(src, tmp_path / "d.jsonl")
    assert [r["id"] for r in read_jsonl(tmp_path / "d.jsonl")] == [7, 9]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_parquet_of_every_arrow_type_to_jsonl_writes_each_value_in_its_json_form(tmp_path, suffix):
    import gzip

    src, out = tmp_path / "typed.parquet", tmp_path / f"d{suffix}"
    pq.write_table(_typed_table(), src)
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    raw = gzip.decompress(out.read_bytes()) if suffix.endswith(".gz") else out.read_bytes()
    kept = [json.loads(line) for line in raw.decode("utf-8").splitlines()]  # strict JSON: no NaN literal
    assert [r["id"] for r in kept] == ["story", "storm"]
    for name, forms in JSON_FORMS.items():
        assert [r[name] for r in kept] == forms, name
    assert kept[0]["text"] == STORY
    _assert_accounted(out, 3, len(kept))


def test_parquet_of_every_arrow_type_to_csv_writes_each_value_as_text(tmp_path):
    src, out = tmp_path / "typed.parquet", tmp_path / "d.csv"
    pq.write_table(_typed_table(), src)
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    with open(out, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        kept = list(reader)
    assert reader.fieldnames == _typed_table().column_names
    assert [r["id"] for r in kept] == ["story", "storm"]
    for name, forms in JSON_FORMS.items():
        cells = [f if isinstance(f, str) else "" if f is None else json.dumps(f, ensure_ascii=False) for f in forms]
        assert [r[name] for r in kept] == cells, name
    _assert_accounted(out, 3, len(kept))


ODD_JSONL = [
    '{"id": "story", "text": %s, "meta": {"a": {"b": [1, {"c": null}]}}, "big": 123456789012345678901234567890, '
    '"name": "Zo\\u00eb \\u6771\\u4eac \\ud83d\\ude42", "score": NaN, "mixed": 1, '
    '"place": {"city": "Lyon", "tags": ["old town"]}}' % json.dumps(STORY),
    json.dumps({"id": "story-copy", "text": STORY.upper(), "meta": {"a": {"b": []}}, "big": 1, "name": "x"}),
    '{"id": "storm", "text": %s, "meta": {"z": true}, "big": -1, "name": "", "score": Infinity, "mixed": "one", '
    '"place": {"city": "Paris", "tags": [], "zip": 75001}}' % json.dumps(OTHER),
]


def test_jsonl_with_odd_values_to_parquet_keeps_each_value(tmp_path):
    src, out = tmp_path / "odd.jsonl", tmp_path / "d.parquet"
    src.write_text("\n".join(ODD_JSONL) + "\n", encoding="utf-8")
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    kept = pq.read_table(out).to_pylist()
    assert [r["id"] for r in kept] == ["story", "storm"]
    assert [r["place"] for r in kept] == [{"city": "Lyon", "tags": ["old town"], "zip": None},  # one struct type
                                          {"city": "Paris", "tags": [], "zip": 75001}]
    assert json.loads(kept[0]["meta"]) == {"a": {"b": [1, {"c": None}]}}  # [1, {...}]: no one type, so JSON text
    assert kept[1]["meta"] == '{"z": true}'
    assert [r["big"] for r in kept] == ["123456789012345678901234567890", "-1"]  # beyond 64 bits: every digit, as text
    assert kept[0]["name"] == "Zoë 東京 🙂"
    assert math.isnan(kept[0]["score"]) and kept[1]["score"] == math.inf
    assert [r["mixed"] for r in kept] == ["1", "one"]  # no one type: each value's text
    _assert_accounted(out, 3, len(kept))


def test_jsonl_with_odd_values_to_csv_keeps_each_value(tmp_path):
    src, out = tmp_path / "odd.jsonl", tmp_path / "d.csv"
    src.write_text("\n".join(ODD_JSONL) + "\n", encoding="utf-8")
    code, stderr = _dedup(src, out)
    assert code == 0, stderr
    with open(out, encoding="utf-8", newline="") as f:
        kept = list(csv.DictReader(f))
    assert [r["id"] for r in kept] == ["story", "storm"]
    assert json.loads(kept[0]["meta"]) == {"a": {"b": [1, {"c": None}]}}
    assert [r["big"] for r in kept] == ["123456789012345678901234567890", "-1"]
    assert kept[0]["name"] == "Zoë 東京 🙂" and kept[1]["name"] == ""
    assert [r["score"] for r in kept] == ["NaN", "Infinity"]
    assert [r["mixed"] for r in kept] == ["1", "one"]
    assert json.loads(kept[1]["place"]) == {"city": "Paris", "tags": [], "zip": 75001}
    _assert_accounted(out, 3, len(kept))


def test_a_value_parquet_cannot_hold_is_a_skip_naming_the_row_and_column(tmp_path):
    """A lone surrogate (a JSON escape "\\ud800") is no UTF-8: a Parquet string cannot hold it."""
    src, out = tmp_path / "c.jsonl", tmp_path / "d.parquet"
    rows = [json.dumps({"id": "story", "text": STORY, "note": "fine"}),
            '{"id": "storm", "text": %s, "note": "half \\ud800 a pair"}' % json.dumps(OTHER)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, stderr = _dedup(src, out)
    assert code == 1
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["story"]
    _, skipped = _assert_accounted(out, 2, 1)
    [skip] = skipped
    assert skip["record"] == "c.jsonl:2" and skip["id"] == "storm" and "'note'" in skip["reason"]
    assert "c.jsonl:2" in stderr


def test_parquet_inputs_of_different_schemas_to_one_parquet_keep_each_column_type(tmp_path):
    a, b, out = tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": ["story"], "text": [STORY], "day": pa.array([dt.date(2024, 3, 3)], pa.date32())}), a)
    pq.write_table(pa.table({"id": ["storm"], "text": [OTHER],
                             "tags": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64()))}), b)
    code, stderr = _dedup_many([a, b], out)
    assert code == 0, stderr
    written = pq.read_table(out)
    assert written.schema.field("day").type == pa.date32()
    assert written.schema.field("tags").type == pa.map_(pa.string(), pa.int64())
    assert written.column("day").to_pylist() == [dt.date(2024, 3, 3), None]
    assert written.column("tags").to_pylist() == [None, [("k", 1)]]


def _dedup_many(inputs, out):
    code, _, stderr = run_cli("dedup", *inputs, "--out", out, "--layers", "lexical", "--quiet")
    assert "Traceback" not in stderr, stderr
    return code, stderr
