"""Fuzzing the readers and the text layer: random bytes, random JSON shapes and random Unicode in; no crash, no hang,
every input a Document or a named Skip, every offset inside its text.

The first tests pin what the fuzzing found. The random tests after them run a bounded number of examples each (the
whole file in under a minute on two cores); COPYTRACE_FUZZ_EXAMPLES=N multiplies the counts for a longer run. No
example database: nothing is written to the tree.
"""
from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, read_jsonl, run_cli
from copytrace import Document, InputError, Kind, RecordFields, ScanConfig, Skip, read_inputs, scan_documents
from copytrace.clean import clean
from copytrace.config import LAYERS
from copytrace.fingerprint.batch import fingerprint_batch
from copytrace.text.quotes import quote_bounds
from copytrace.text.sentences import sentence_starts
from copytrace.text.tokens import tokenize
from copytrace.write.atomic import json_line

STORY = (EXAMPLES / "story.txt").read_text(encoding="utf-8")
OTHER = (EXAMPLES / "unrelated.txt").read_text(encoding="utf-8")

#: COPYTRACE_FUZZ_EXAMPLES=10 runs ten times as many examples of every random test (a longer local or nightly run).
SCALE = float(os.environ.get("COPYTRACE_FUZZ_EXAMPLES", "1"))


def fuzz(examples: int) -> settings:
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def folder():
    """A fresh folder per example (pytest's tmp_path is one per test, shared by all of its examples)."""
    with tempfile.TemporaryDirectory(prefix="copytrace-fuzz-") as d:
        yield Path(d)


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
    far = {"date32": pa.array([0, 2**30, 0], pa.date32()), "timestamp": pa.array([0, 2**62, 0], pa.timestamp("ns")),
           "duration": pa.array([0, 2**62, 0], pa.duration("s"))}
    for column, values in far.items():
        corpus = tmp_path / f"{column}.parquet"
        pq.write_table(pa.table({"id": ["a", "b", "c"], "text": [STORY, OTHER, STORY], column: values}), corpus)
        a, b, c = read_inputs([corpus])
        assert isinstance(a, Document) and isinstance(c, Document) and c.id == "c", column
        assert isinstance(b, Skip) and b.record == f"{column}.parquet:row 2" and column in b.reason, column


# ---- strategies --------------------------------------------------------------------------------------------------

# What real corpora hold and parsers trip on: lone surrogates (from JSON escapes), combining marks, right-to-left
# scripts and bidi controls, NUL and other controls, zero-width joiners and spaces, a byte-order mark, emoji (a ZWJ
# family, a flag, a skin tone), CJK with its punctuation, every line break Python knows, every quote mark, sentence
# stops of several scripts, case mappings that are not one-to-one, digits of other scripts.
ODD = [
    "\ud800", "\udfff", "\udc00", "\u0301", "\u0308", "\u20dd", "\u05e9\u05dc\u05d5\u05dd", "\u0627\u0644", "\u202e",
    "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u200e", "\u061c", "\x00", "\x1b", "\x7f", "\x85", "\u200d",
    "\u200c", "\u200b", "\u2060", "\ufeff", "😀", "👨\u200d👩\u200d👧", "🇫🇷", "👍\U0001F3FD", "中文", "。", "「", "」",
    "あ", "カ", "・", "한국", "\n", "\r", "\r\n", "\u2028", "\u2029", "\x0b", "\x0c", '"', "“", "”", "„", "«", "»",
    "‘", "’", "'", ".", "!", "?", "।", "؟", " - ", "—", "İ", "ß", "ﬁ", "ǅ", "Σ", "٢", "５", "1999", " ", "\t", "\xa0",
    "\u3000", "The", "said", "Mr.", "K.", "Posted by admin", "Share this:", "Related Posts",
]
odd_piece = st.one_of(st.sampled_from(ODD), st.characters(exclude_categories=()))
odd_texts = st.lists(odd_piece, max_size=200).map("".join)
#: word-like texts with odd pieces between the words: sentences, quotations and lines for the scanners to find.
worded_texts = st.lists(st.one_of(st.sampled_from(STORY.split()[:200]), st.sampled_from(ODD)), max_size=150).map(
    " ".join)
texts = st.one_of(odd_texts, worded_texts)
#: one line of a megabyte (no line break), of a repeated odd unit: the worst case of every per-line scan.
megabyte_lines = st.lists(st.sampled_from([c for c in ODD if c not in "\n\r\r\n\u2028\u2029\x0b\x0c\x85"]),
                          min_size=1, max_size=12).map("".join).map(
    lambda unit: (unit * (1_000_000 // len(unit) + 1))[:1_000_000])


# ---- readers -----------------------------------------------------------------------------------------------------

def _check_items(items: list, path: Path) -> None:
    """Every item a Document with an id and a text, or a Skip with a reason naming the file or a record of it."""
    for item in items:
        assert isinstance(item, (Document, Skip)), item
        if isinstance(item, Document):
            assert isinstance(item.id, str) and item.id and isinstance(item.text, str) and not item.text.isspace()
            assert item.text
        else:
            assert isinstance(item.reason, str) and item.reason.strip(), item
            assert item.record in (str(path), path.name) or item.record.startswith(f"{path.name}:"), item


def _is_file_skip(item, path: Path) -> bool:
    return isinstance(item, Skip) and item.record == str(path) and item.reason.startswith("unreadable corpus file")


def _non_blank_lines(data: bytes) -> list[int]:
    """The numbers of the lines of a JSONL file that are records (a blank line is not one)."""
    return [n for n, line in enumerate(data.split(b"\n"), 1) if not (line + b"\n").isspace()]


def _check_line_accounting(items: list, path: Path, data: bytes) -> None:
    """One item per non-blank line, in order, each skip naming its line; or, for a corrupt archive, the lines read
    before the damage and then one skip naming the file."""
    lines = _non_blank_lines(data)
    if items and _is_file_skip(items[-1], path):
        items = items[:-1]
        assert len(items) <= len(lines)
    else:
        assert len(items) == len(lines)
    for n, item in zip(lines, items):
        if isinstance(item, Skip):
            assert item.record == f"{path.name}:{n}", (item, n)


json_fragments = st.sampled_from([b'{"id": "a", "text": "x"}', b'{"id": 1, "text": "A story."}', b"{", b"}", b"[",
                                  b'"text"', b'"\\ud800"', b"null", b"NaN", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00",
                                  b"\r", b"\n", b" ", b"\xc3", b"9" * 40])
random_bytes = st.one_of(st.binary(max_size=3000),
                         st.lists(st.one_of(json_fragments, st.binary(max_size=40)), max_size=60).map(b"".join))


@fuzz(150)
@given(data=random_bytes, suffix=st.sampled_from([".txt", ".md", ".html", "", ".htm"]))
def test_random_bytes_as_a_text_file_are_one_document_or_one_named_skip(data, suffix):
    with folder() as d:
        path = d / f"doc{suffix}"
        path.write_bytes(data)
        items = list(read_inputs([path], RecordFields()))
        _check_items(items, path)
        assert len(items) == 1
        if isinstance(items[0], Document):
            assert items[0].id == path.name


@fuzz(300)
@given(data=random_bytes, compress=st.sampled_from(["none", "gzip", "truncated gzip"]), cut=st.floats(0, 1))
def test_random_bytes_as_jsonl_give_one_document_or_skip_per_non_blank_line(data, compress, cut):
    with folder() as d:
        if compress == "none":
            path = d / "c.jsonl"
            path.write_bytes(data)
        else:
            path = d / "c.jsonl.gz"
            packed = gzip.compress(data)
            path.write_bytes(packed if compress == "gzip" else packed[:int(cut * (len(packed) - 1))])
        items = list(read_inputs([path], RecordFields()))
        _check_items(items, path)
        if path.stat().st_size == 0:  # an empty file, gzipped or not, is an empty corpus
            assert items == []
            return
        _check_line_accounting(items, path, data)
        if compress != "truncated gzip":
            assert not any(_is_file_skip(item, path) for item in items)


@fuzz(200)
@given(data=random_bytes, suffix=st.sampled_from([".csv", ".tsv"]))
def test_random_bytes_as_csv_give_one_document_or_skip_per_row_or_a_file_skip(data, suffix):
    with folder() as d:
        path = d / f"c{suffix}"
        path.write_bytes(data)
        items = list(read_inputs([path], RecordFields()))
        _check_items(items, path)
        if items and _is_file_skip(items[-1], path):
            items = items[:-1]
        for row, item in enumerate(items, 2):  # row 1 is the header
            if isinstance(item, Skip):
                assert item.record == f"{path.name}:{row}"


# -- JSON shapes, each line with what it must become ----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_texts.map(lambda t: t[:10]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
ids = st.one_of(st.sampled_from(["a", "b", "1", "", " ", "\ud800"]), st.none(), st.integers(-3, 3), st.integers(),
                st.floats(), st.booleans(), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2),
                st.integers(), max_size=2), odd_texts.map(lambda t: t[:8]))
record_texts = st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.text(max_size=3), max_size=2),
                         st.sampled_from(["", " ", "\n\t\u3000", STORY[:300]]), texts)
records = st.fixed_dictionaries({}, optional={"id": ids, "text": record_texts, "date": json_values,
                                              "meta": json_values})


@st.composite
def jsonl_lines(draw) -> tuple[bytes, object]:
    """(a line, what it must become: a dict record (its fate follows from its fields), "skip", or "either")."""
    shape = draw(st.sampled_from(["record", "record", "record", "non-object", "deep", "huge number", "cut", "bytes",
                                  "blank", "duplicate keys"]))
    if shape == "record":
        row = draw(records)
        line = json.dumps(row, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        return line, row
    if shape == "non-object":
        value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        return json.dumps(value).encode(), "skip"
    if shape == "deep":
        depth = draw(st.integers(1, 200_000))
        nested = b"[" * depth + b"]" * depth
        return b'{"id": "deep%d", "text": "x", "meta": %s}' % (depth, nested), ({"id": f"deep{depth}", "text": "x"}
                                                                              if depth <= 500 else "either")
    if shape == "huge number":
        digits = draw(st.integers(1, 8000))
        return b'{"id": %s, "text": "x"}' % (b"9" * digits), "either"
    if shape == "cut":
        whole = json.dumps(draw(records)).encode()
        return whole[:draw(st.integers(0, len(whole)))], "either"
    if shape == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b" "), "either"
    if shape == "duplicate keys":
        return b'{"id": "first", "text": "one", "id": "second", "text": "two"}', "either"
    return draw(st.sampled_from([b"", b"  ", b"\t\r", b"\x0b\x0c"])), "either"


def _expected_document(row: dict, seen: set[str]) -> str | None:
    """The id of the document a record must become (the contract of DESIGN.md), or None for a skip."""
    if "id" not in row or row["id"] in (None, ""):
        return None
    text = row.get("text")
    if not isinstance(text, str) or not text or text.isspace() or str(row["id"]) in seen:
        return None
    return str(row["id"])


@fuzz(300)
@given(lines=st.lists(jsonl_lines(), max_size=25), gzipped=st.booleans())
def test_random_json_shapes_each_line_a_document_or_a_skip_naming_it(lines, gzipped):
    data = b"\n".join(line for line, _ in lines) + b"\n"
    with folder() as d:
        path = d / ("c.jsonl.gz" if gzipped else "c.jsonl")
        path.write_bytes(gzip.compress(data) if gzipped else data)
        items = list(read_inputs([path], RecordFields()))
    _check_items(items, path)
    _check_line_accounting(items, path, data)
    fates = [fate for line, fate in lines if not (line + b"\n").isspace()]
    seen: set[str] = set()
    for fate, item in zip(fates, items):
        if isinstance(fate, dict):
            want = _expected_document(fate, seen)
            if want is None:
                assert isinstance(item, Skip), (fate, item)
            else:
                assert isinstance(item, Document) and item.id == want and item.text == fate["text"], (fate, item)
        elif fate == "skip":
            assert isinstance(item, Skip) and item.reason == "not a JSON object", item
        if isinstance(item, Document):
            assert item.id not in seen, item.id  # a duplicate id is a skip
            seen.add(item.id)


csv_values = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)


@fuzz(200)
@given(rows=st.lists(st.tuples(st.one_of(st.sampled_from(["a", "b", ""]), csv_values), st.one_of(
    st.sampled_from(["", " ", STORY[:200], 'He said "no", twice.\r\nThen left.']), csv_values)), max_size=15),
    delimiter=st.sampled_from([",", "\t"]))
def test_csv_records_with_every_quoting_each_become_a_document_or_a_skip(rows, delimiter):
    with folder() as d:
        path = d / ("c.csv" if delimiter == "," else "c.tsv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
            writer.writerow(["id", "text"])
            writer.writerows(rows)
        items = list(read_inputs([path], RecordFields()))
    _check_items(items, path)
    assert len(items) == len(rows)
    seen: set[str] = set()
    for (doc_id, text), item in zip(rows, items):
        want = _expected_document({"id": doc_id, "text": text}, seen)
        if want is None:
            assert isinstance(item, Skip)
        else:
            assert isinstance(item, Document) and (item.id, item.text) == (doc_id, text)
            seen.add(item.id)


# -- Parquet: random tables with odd column types ------------------------------------------------------------------

plain_strings = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@st.composite
def parquet_columns(draw, n: int, for_text: bool = False) -> pa.Array:
    """A column of n values of a type drawn from those a real shard may hold where a string is expected."""
    kind = draw(st.sampled_from(["string", "large_string", "dictionary", "int64", "float64", "binary", "bool",
                                 "list", "struct", "null", "timestamp", "date"]))
    some = lambda values: draw(st.lists(st.one_of(st.none(), values), min_size=n, max_size=n))  # noqa: E731
    words = st.one_of(st.sampled_from(["a", "b", "", " ", STORY[:100]]), plain_strings) if for_text else \
        st.one_of(st.sampled_from(["a", "b", "", "1"]), plain_strings)
    if kind in ("string", "large_string"):
        return pa.array(some(words), pa.string() if kind == "string" else pa.large_string())
    if kind == "dictionary":
        return pa.array(some(words), pa.string()).dictionary_encode()
    if kind == "int64":
        return pa.array(some(st.integers(-2**63, 2**63 - 1)), pa.int64())
    if kind == "float64":
        return pa.array(some(st.floats()), pa.float64())
    if kind == "binary":
        return pa.array(some(st.binary(max_size=8)), pa.binary())
    if kind == "bool":
        return pa.array(some(st.booleans()), pa.bool_())
    if kind == "list":
        return pa.array(some(st.lists(words, max_size=2)), pa.list_(pa.string()))
    if kind == "struct":
        return pa.array(some(st.fixed_dictionaries({"x": st.integers(0, 9)})), pa.struct([("x", pa.int64())]))
    if kind == "null":
        return pa.nulls(n)
    if kind == "timestamp":  # nanoseconds past 2262 and before 1677 do not fit Python's datetime at all
        return pa.array(some(st.integers(-2**63 + 1, 2**63 - 1)), pa.timestamp("ns"))
    return pa.array(some(st.integers(-2**31, 2**31 - 1)), pa.date32())


@st.composite
def parquet_tables(draw) -> pa.Table:
    n = draw(st.integers(0, 12))
    columns = {"id": draw(parquet_columns(n)), "text": draw(parquet_columns(n, for_text=True))}
    for k in range(draw(st.integers(0, 2))):
        columns[f"extra{k}"] = draw(parquet_columns(n))
    return pa.table(columns)


def _row_or_none(table: pa.Table, k: int) -> dict | None:
    try:
        return {name: table[name][k].as_py() for name in table.column_names}
    except (ValueError, OverflowError):
        return None


@fuzz(200)
@given(table=parquet_tables())
def test_random_parquet_tables_give_one_document_or_skip_per_row(table):
    with folder() as d:
        path = d / "c.parquet"
        pq.write_table(table, path)
        items = list(read_inputs([path], RecordFields()))
    _check_items(items, path)
    assert len(items) == table.num_rows
    seen: set[str] = set()
    for k, item in enumerate(items):
        row = _row_or_none(table, k)
        want = None if row is None else _expected_document(row, seen)
        if want is None:
            assert isinstance(item, Skip) and item.record == f"c.parquet:row {k + 1}", (row, item)
        else:
            assert isinstance(item, Document) and (item.id, item.text) == (want, row["text"]), (row, item)
            seen.add(item.id)


@fuzz(60)
@given(files=st.lists(st.tuples(st.sampled_from(["a", "b.txt", "c.md", "d.html", "e.jsonl", "f.jsonl.gz", "g.csv",
                                                 "h.parquet", ".hidden.txt", "sub/i.txt"]), random_bytes),
                      max_size=6, unique_by=lambda f: f[0]))
def test_a_folder_of_random_files_and_a_symlink_loop_is_read_without_an_exception(files):
    with folder() as d:
        corpus = d / "corpus"
        (corpus / "sub").mkdir(parents=True)
        for name, data in files:
            (corpus / name).write_bytes(data)
        (corpus / "loop.txt").symlink_to(corpus / "loop.txt")  # reading it fails with ELOOP
        (corpus / "sub" / "up").symlink_to(corpus, target_is_directory=True)  # a folder loop: not followed
        items = list(read_inputs([corpus], RecordFields()))
        try:
            list(read_inputs([corpus, d / "missing.jsonl"], RecordFields()))
            raise AssertionError("a missing input must be an InputError")
        except InputError:
            pass
    for item in items:
        assert isinstance(item, (Document, Skip)) and (isinstance(item, Document) or item.reason.strip())
    assert any(isinstance(i, Skip) and i.record == "loop.txt" and "unreadable" in i.reason for i in items)
    assert not any(".hidden" in (i.id if isinstance(i, Document) else i.record) for i in items)


# ---- the text layer ----------------------------------------------------------------------------------------------

def _check_text_layer(batch: list[str]) -> None:
    tokens = tokenize(batch)
    assert tokens.n_docs == len(batch) and len(tokens.exact) == len(batch)
    assert np.all(np.diff(tokens.doc_offsets) >= 0) and tokens.doc_offsets[-1] == len(tokens.hashes)
    for d, text in enumerate(batch):
        starts, ends = tokens.starts[tokens.doc_slice(d)], tokens.ends[tokens.doc_slice(d)]
        assert np.all((0 <= starts) & (starts < ends) & (ends <= len(text)))
        assert np.all(starts[1:] >= ends[:-1])  # in order, not overlapping

        sentences = sentence_starts(text)
        assert sentences[0] == 0 and np.all(np.diff(sentences) > 0) and sentences[-1] <= len(text)

        quotes = quote_bounds(text)
        assert len(quotes) % 2 == 0 and np.all(np.diff(quotes) >= 0)
        assert np.all((0 <= quotes) & (quotes <= len(text))) and np.all(quotes[0::2] < quotes[1::2])

        cleaned = clean(text)
        assert cleaned.boilerplate_chars >= 0 and cleaned.chars == sum(e - s for s, e in cleaned.kept)
        assert all(0 <= s < e <= len(text) for s, e in cleaned.kept)
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(cleaned.kept, cleaned.kept[1:]))

    fp = fingerprint_batch(np.arange(len(batch)), batch, frozenset(), LAYERS)
    assert len(fp) == len(batch) and len(fp.langs) == len(batch)
    assert np.all(fp.clean_chars + fp.boilerplate_chars <= [len(t) for t in batch])
    for name, index in fp.indexes().items():
        assert np.all((0 <= index.doc) & (index.doc < len(batch))), name
        assert np.all(np.diff(index.key.astype(np.float64)) >= 0) or len(index) < 2, name


@fuzz(600)
@given(batch=st.lists(texts, min_size=1, max_size=5))
def test_random_unicode_through_the_text_layer_keeps_every_offset_inside_its_text(batch):
    _check_text_layer(batch)


@fuzz(20)
@given(line=megabyte_lines, neighbour=texts)
def test_a_megabyte_line_of_odd_characters_through_the_text_layer(line, neighbour):
    _check_text_layer([line, neighbour])


# ---- the whole scan ----------------------------------------------------------------------------------------------

@st.composite
def disguised_copies(draw) -> str:
    """STORY with odd characters put between its words, or a slice of it: something the scan pairs with STORY."""
    words = STORY.split(" ")
    start = draw(st.integers(0, len(words) // 2))
    words = words[start:]
    for _ in range(draw(st.integers(0, 12))):
        k = draw(st.integers(0, len(words)))
        words.insert(k, draw(st.sampled_from(ODD)))
    return " ".join(words)


@fuzz(80)
@given(bodies=st.lists(st.one_of(texts, disguised_copies(), st.just(STORY)), min_size=1, max_size=5))
def test_scan_of_odd_documents_puts_every_passage_inside_its_documents(bodies):
    assume(any(body.strip() for body in bodies))
    docs = [Document(f"d{k}", body) for k, body in enumerate(bodies) if body.strip()]
    result = scan_documents(docs, ScanConfig(workers=1))
    assert [r.id for r in result.documents] == [d.id for d in docs]
    length = {d.id: len(d.text) for d in docs}
    for pair in result.pairs:
        assert pair.a in length and pair.b in length and pair.a != pair.b
        assert isinstance(pair.kind, Kind) and 0 <= pair.score <= 1
        assert 0 <= pair.coverage_a <= 1 and 0 <= pair.coverage_b <= 1
        for passage in pair.passages:
            (sa, ea), (sb, eb) = passage.a, passage.b
            assert 0 <= sa <= ea <= length[pair.a] and 0 <= sb <= eb <= length[pair.b], passage
        json_line(pair.to_json())  # writable, lone surrogates and all
    for record in result.documents:
        json_line(record.to_json())
    members = {m for cluster in result.clusters for m in cluster.members}
    assert members <= set(length)


def test_an_integer_id_beyond_64_bits_keeps_every_digit(tmp_path):
    """orjson reads such an integer as a float: two ids differing in the last digits became one, and a duplicate."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": 123456789012345678901234567890, "text": "one"}\n'
                      '{"id": 123456789012345678901234567891, "text": "two"}\n'
                      '{"id": [-9223372036854775809], "text": "three"}\n', encoding="utf-8")
    assert [d.id for d in read_inputs([corpus])] == ["123456789012345678901234567890",
                                                     "123456789012345678901234567891", "[-9223372036854775809]"]
