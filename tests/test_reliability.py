"""Runs that must not break: corpora with no usable document, every record accounted for, output paths checked
before any work, encodings with a byte-order mark, the files a run leaves behind, standard input, --version."""
import json
import os

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


def _corpus_with_every_bad_row():
    """(lines of a JSONL corpus, {line number: reason fragment} for the rows that cannot be used)."""
    good = [
        {"id": "story", "text": STORY, "date": "2024-03-03", "site": "wire"},
        {"id": "story-copy", "text": STORY.upper(), "date": "2024-03-05", "site": "scraper"},
        {"id": "storm", "text": OTHER, "date": "2024-03-04", "site": "wire"},
    ]
    lines = [json.dumps(r) for r in good] + [
        '{"id": "cut-off", "text": "half a rec',
        "[1, 2, 3]",
        json.dumps({"text": OTHER + " again"}),
        json.dumps({"id": "", "text": OTHER + " and again"}),
        json.dumps({"id": "null-text", "text": None}),
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "empty", "text": ""}),
        json.dumps({"id": "blank", "text": "  \n "}),
        json.dumps({"id": "number", "text": 42}),
        json.dumps({"id": "storm", "text": "A second record claiming the id storm, which the first already holds."}),
    ]
    bad = {4: "malformed JSON", 5: "not a JSON object", 6: "no 'id' field", 7: "no 'id' field",
           8: "missing or not a string", 9: "missing or not a string", 10: "empty text", 11: "empty text",
           12: "missing or not a string", 13: "duplicate id 'storm'"}
    return lines, bad


def test_dedup_accounts_for_every_input_row_kept_dropped_or_skipped(tmp_path):
    lines, bad = _corpus_with_every_bad_row()
    src = tmp_path / "c.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "d.jsonl"
    code, _, stderr = run_cli("dedup", src, "--out", out, "--date-field", "date", "--layers", "lexical", "--quiet")
    assert code == 1, stderr
    kept, dropped = read_jsonl(out), read_jsonl(f"{out}.dropped.jsonl")
    skipped = read_jsonl(f"{out}.skipped.jsonl")
    assert len(kept) + len(dropped) + len(skipped) == len(lines)
    assert [r["id"] for r in kept] == ["story", "storm"] and [d["id"] for d in dropped] == ["story-copy"]
    assert {s["record"]: s["reason"] for s in skipped}.keys() == {f"c.jsonl:{n}" for n in bad}
    for s in skipped:
        assert bad[int(s["record"].split(":")[1])] in s["reason"]
    ids = {s["record"]: s["id"] for s in skipped}
    assert ids["c.jsonl:4"] is None and ids["c.jsonl:8"] == "null-text" and ids["c.jsonl:13"] == "storm"
    assert kept[0] == json.loads(lines[0])  # a kept record comes out whole


def test_dedup_reads_its_corpus_once(tmp_path):
    """A named pipe can be read only once: a dedup that read the corpus a second time to write it would hang."""
    import os
    import subprocess
    import sys
    import threading

    rows = [{"id": "story", "text": STORY, "date": "2024-03-03"}, {"id": "copy", "text": STORY, "date": "2024-03-05"},
            {"id": "storm", "text": OTHER, "date": "2024-03-04"}]
    pipe = tmp_path / "c.jsonl"
    os.mkfifo(pipe)

    def feed():
        with open(pipe, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = tmp_path / "d.jsonl"
    try:
        proc = subprocess.run([sys.executable, "-m", "copytrace", "dedup", pipe, "--out", out, "--date-field", "date",
                               "--layers", "lexical", "--quiet"], capture_output=True, text=True, timeout=60)
    finally:
        if writer.is_alive():  # unblock the feeder should the run have failed before opening the pipe
            os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in read_jsonl(out)] == ["story", "storm"]


def _corpus_with_a_bad_line(tmp_path):
    """Reading it names a skip on stderr: a run that failed before reading says nothing of it."""
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "a", "text": STORY}) + "\n" + '{"id": "b", "text": \n', encoding="utf-8")
    return src


@pytest.mark.parametrize("command, out", [
    ("scan", "a-file"),  # a file where a folder is wanted
    ("scan", "a-file/out"),
    ("dedup", "a-folder"),  # a folder where a file is wanted
    ("dedup", "a-file/d.jsonl"),
    ("dedup", "a-pipe"),  # renamed over, a device or a pipe would be replaced by a file
])
def test_a_bad_output_path_fails_before_reading_with_one_line(tmp_path, command, out):
    src = _corpus_with_a_bad_line(tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    os.mkfifo(tmp_path / "a-pipe")
    code, _, stderr = run_cli(command, src, "--out", tmp_path / out, "--quiet")
    assert code == 2, stderr
    assert stderr.startswith("copytrace: ") and len(stderr.strip().splitlines()) == 1, stderr
    assert "skipped" not in stderr  # nothing was read
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "not a folder\n"
    assert list((tmp_path / "a-folder").iterdir()) == []
    assert not (tmp_path / "a-pipe").is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
@pytest.mark.parametrize("command, out", [("scan", "locked/out"), ("dedup", "locked/d.jsonl")])
def test_an_unwritable_output_folder_fails_before_reading(tmp_path, command, out):
    src = _corpus_with_a_bad_line(tmp_path)
    (tmp_path / "locked").mkdir(mode=0o500)
    code, _, stderr = run_cli(command, src, "--out", tmp_path / out, "--quiet")
    assert code == 2, stderr
    assert stderr.startswith("copytrace: ") and "skipped" not in stderr


def test_dedup_to_csv_writes_csv_with_the_input_columns(tmp_path):
    import csv

    rows = [{"id": "story", "text": STORY, "date": "2024-03-03", "site": "wire"},
            {"id": "copy", "text": STORY, "date": "2024-03-05", "site": "scraper"},
            {"id": "storm", "text": OTHER, "date": "2024-03-04", "site": "wire"}]
    src = tmp_path / "c.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "date", "text", "site"])
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "d.csv"
    code, _, stderr = run_cli("dedup", src, "--out", out, "--date-field", "date", "--layers", "lexical", "--quiet")
    assert code == 0, stderr
    with open(out, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        kept = list(reader)
    assert set(reader.fieldnames) == {"id", "date", "text", "site"}
    assert kept == [rows[0], rows[2]]
    jsonl_src = tmp_path / "c.jsonl"
    jsonl_src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("dedup", jsonl_src, "--out", tmp_path / "j.csv", "--date-field", "date",
                              "--layers", "lexical", "--quiet")
    assert code == 0, stderr
    with open(tmp_path / "j.csv", encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == [rows[0], rows[2]]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_follow_the_umask(tmp_path, umask):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "a", "text": STORY}) + "\n" + json.dumps({"id": "b", "text": OTHER}) + "\n",
                   encoding="utf-8")
    old = os.umask(umask)
    try:
        assert run_cli("scan", src, "--out", tmp_path / "out", "--layers", "lexical", "--quiet")[0] == 0
        assert run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--layers", "lexical", "--quiet")[0] == 0
    finally:
        os.umask(old)
    written = [tmp_path / "out" / name for name in RESULT_FILES]
    written += [tmp_path / name for name in ("d.jsonl", "d.jsonl.dropped.jsonl", "d.jsonl.skipped.jsonl")]
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def _killed_while_writing(tmp_path, code):
    """Run `code` in a process that SIGKILLs itself in the middle of writing, as a killed run would be."""
    import subprocess
    import sys

    preamble = ("import os, signal\n"
                "class Dying:\n"
                "    def to_json(self):\n"
                "        os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", preamble + code], cwd=tmp_path)
    assert proc.returncode == -9


def test_a_killed_runs_part_files_are_removed_by_the_next_run(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(json.dumps({"id": "a", "text": STORY}) + "\n" + json.dumps({"id": "b", "text": STORY}) + "\n",
                   encoding="utf-8")
    (tmp_path / "out").mkdir()
    _killed_while_writing(tmp_path, "from copytrace.engine.local import ScanResult\n"
                                    "from copytrace.write.results import write_results\n"
                                    "write_results(ScanResult([Dying()], [], [], []), 'out')\n")
    _killed_while_writing(tmp_path, "from copytrace.write.atomic import write_jsonl\n"
                                    "write_jsonl('d.jsonl', (d.to_json() for d in [Dying()]))\n")
    leftovers = sorted(p.name for p in tmp_path.rglob("*.part"))
    assert len(leftovers) == 4, leftovers  # the three result files being staged, and the corpus
    assert run_cli("scan", src, "--out", tmp_path / "out", "--layers", "lexical", "--quiet")[0] == 0
    assert run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--layers", "lexical", "--quiet")[0] == 0
    assert sorted(p.name for p in tmp_path.rglob("*.part")) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(RESULT_FILES)


def test_version_prints_the_installed_package_version():
    from importlib.metadata import version

    code, stdout, stderr = run_cli("--version")
    assert code == 0, stderr
    assert stdout.strip() == f"copytrace {version('copytrace')}"


def test_dash_reads_jsonl_records_from_standard_input_for_scan_and_dedup(tmp_path):
    rows = [{"id": "story", "text": STORY, "date": "2024-03-03"}, {"id": "copy", "text": STORY, "date": "2024-03-05"},
            {"id": "storm", "text": OTHER, "date": "2024-03-04"}]
    piped = "".join(json.dumps(r) + "\n" for r in rows) + '{"id": "cut-off", "text": \n'
    code, _, stderr = run_cli("scan", "-", "--out", tmp_path / "out", "--layers", "lexical", "--date-field", "date",
                              "--quiet", input_text=piped)
    assert code == 1, stderr
    assert "<stdin>:4" in stderr and "malformed JSON" in stderr
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["story", "copy", "storm"]
    [pair] = read_jsonl(tmp_path / "out" / "pairs.jsonl")
    assert {pair["a"], pair["b"]} == {"story", "copy"} and pair["kind"] == "exact"
    code, _, stderr = run_cli("dedup", "-", "--out", tmp_path / "d.jsonl", "--layers", "lexical", "--date-field",
                              "date", "--quiet", input_text=piped)
    assert code == 1, stderr
    assert read_jsonl(tmp_path / "d.jsonl") == [rows[0], rows[2]]
    assert [s["record"] for s in read_jsonl(tmp_path / "d.jsonl.skipped.jsonl")] == ["<stdin>:4"]


def test_dedup_writes_a_two_field_record_as_it_came_without_adding_a_path(tmp_path):
    rows = [{"id": "story", "text": STORY}, {"id": "storm", "text": OTHER}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--layers", "lexical", "--quiet")
    assert code == 0, stderr
    assert read_jsonl(tmp_path / "d.jsonl") == rows


PLACEHOLDERS = ["-1", "-1", "View Comments", "View Comments", "Updated every Monday Copyright @2015 RollingStory Inc."] * 2


def test_placeholder_texts_are_skipped_as_too_short_not_called_exact_copies(tmp_path):
    rows = [{"id": f"p{n}", "text": t} for n, t in enumerate(PLACEHOLDERS)]
    rows += [{"id": "story", "text": STORY}, {"id": "story-copy", "text": STORY}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("scan", src, "--out", tmp_path / "out", "--quiet")
    assert code == 1, stderr
    for n, text in enumerate(PLACEHOLDERS, 1):
        assert f"c.jsonl:{n} (id p{n - 1}): too short to compare" in stderr
    pairs = read_jsonl(tmp_path / "out" / "pairs.jsonl")
    assert [(p["a"], p["b"], p["kind"]) for p in pairs] == [("story", "story-copy", "exact")]
    assert [c["members"] for c in read_jsonl(tmp_path / "out" / "clusters.jsonl")] == [["story", "story-copy"]]
    assert {d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")} == {"story", "story-copy"}


def test_dedup_accounts_for_texts_too_short_to_compare(tmp_path):
    rows = [{"id": "short", "text": "View Comments"}, {"id": "story", "text": STORY}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "d.jsonl"
    code, _, stderr = run_cli("dedup", src, "--out", out, "--quiet")
    assert code == 1, stderr
    assert [r["id"] for r in read_jsonl(out)] == ["story"]
    skipped = read_jsonl(f"{out}.skipped.jsonl")
    assert [(s["id"], s["reason"]) for s in skipped] == [("short", "too short to compare: 2 words, fewer than 8")]


def test_the_shortest_comparable_text_is_a_threshold(tmp_path):
    """A nine-word text is long enough by default; raised to ten words, it is skipped (config.ReadConfig)."""
    nine = "President Donald Trump calls the controversy a total witch-hunt"
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": nine}) + "\n" for i in ("a", "b")), encoding="utf-8")
    code, _, stderr = run_cli("scan", src, "--out", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    assert [p["kind"] for p in read_jsonl(tmp_path / "out" / "pairs.jsonl")] == ["exact"]
    values = tmp_path / "t.json"
    values.write_text(json.dumps({"read": {"min_document_words": 11}}))
    code, _, stderr = run_cli("scan", src, "--out", tmp_path / "out2", "--quiet", "--thresholds", values)
    assert code == 1 and "too short to compare: 10 words, fewer than 11" in stderr
    assert read_jsonl(tmp_path / "out2" / "pairs.jsonl") == []


@pytest.mark.parametrize("times, kind", [(3, "partial"), (5, "partial"), (12, "near_duplicate")])
def test_an_article_pasted_many_times_into_a_longer_text_is_a_verbatim_copy(tmp_path, times, kind):
    """Each copy of the article is a verbatim passage, however often the longer text repeats it (it was called a
    paraphrase at five copies: a seed held more than four times by one text seeded nothing). Twelve copies are
    most of the longer text: both sides over 80% aligned, a near-duplicate, not a reordered paraphrase."""
    bigger = "\n\n".join([OTHER] + [STORY] * times + [OTHER.upper()])
    rows = [{"id": "article", "text": STORY}, {"id": "compilation", "text": bigger}]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("scan", src, "--out", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    [pair] = read_jsonl(tmp_path / "out" / "pairs.jsonl")
    assert pair["kind"] == kind
    assert pair["coverage_a"] == 1.0
    assert len(pair["passages"]) == times
    starts = sorted(p["b"][0] for p in pair["passages"])
    assert [bigger[s:s + 40] for s in starts] == [STORY[:40]] * times
