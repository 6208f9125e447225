"""WARC input: each response record of a page is a document (id its URI, date its WARC-Date, text its main text);
records that are no page are skips naming the record; damage to the file costs only what follows it."""
import gzip
import importlib.util
import re
from pathlib import Path

from conftest import ROOT, pair_kinds, read_jsonl, run_cli
from copytrace import Document, Skip, read_inputs
from copytrace.read.files import html_main_text

CRAWL = ROOT / "examples" / "web" / "crawl.warc.gz"
NEWS = ROOT / "examples" / "news"
STORY = "https://wire.example/2024/03/03/diplomats-vienna"
REPOST = "https://dailynewshub.example/world/top-diplomats-meet-in-vienna"
LATER = "https://wire.example/2024/03/04/grain-corridor-draft-deal"
SPUN = "https://spinfarm.example/prime-diplomats-vienna"
STORM = "https://wire.example/2024/03/04/storm.txt"


def _make_warc():
    """examples/web/make_warc.py, whose functions write the example crawl and the bad ones below."""
    spec = importlib.util.spec_from_file_location("make_warc", ROOT / "examples" / "web" / "make_warc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _words(text):
    return " ".join(text.split())


def test_the_example_crawl_is_the_one_its_script_writes(tmp_path):
    _make_warc().main(tmp_path / "crawl.warc.gz")
    assert (tmp_path / "crawl.warc.gz").read_bytes() == CRAWL.read_bytes()
    assert CRAWL.stat().st_size < 200_000


def test_a_crawl_is_scanned_page_by_page_with_uris_dates_texts_and_its_copies(tmp_path):
    code, _, stderr = run_cli("scan", CRAWL, "--layers", "lexical", "--out", tmp_path / "out")
    assert code == 0, stderr
    docs = {d["id"]: d for d in read_jsonl(tmp_path / "out" / "documents.jsonl")}
    # the five responses, in crawl order; the warcinfo and request records are no documents
    assert list(docs) == [STORY, REPOST, LATER, SPUN, STORM]
    assert {i: d["date"] for i, d in docs.items()} == {
        STORY: "2024-03-03T07:00:00Z", REPOST: "2024-03-03T09:12:00Z", LATER: "2024-03-04T08:00:00Z",
        SPUN: "2024-03-04T11:40:00Z", STORM: "2024-03-04T12:30:00Z"}

    texts = {d.id: d.text for d in read_inputs([CRAWL])}
    # a page's text is its main text: the story without the site's navigation and footer ...
    assert _words(texts[STORY]) == _words((NEWS / "story.txt").read_text(encoding="utf-8"))
    assert "All rights reserved" not in texts[STORY] and "Sport" not in texts[STORY]
    # ... extracted as from an .html file; a text/plain payload is its text as it is
    assert texts[REPOST] == html_main_text((NEWS / "repost.html").read_text(encoding="utf-8"))
    assert texts[STORM] == (NEWS / "unrelated.txt").read_text(encoding="utf-8")
    assert {d["chars"] for d in docs.values()} == {len(t) for t in texts.values()}

    kinds = pair_kinds(tmp_path / "out")
    assert kinds[frozenset((STORY, REPOST))] == "near_duplicate"
    assert kinds[frozenset((STORY, LATER))] == "partial"
    assert kinds[frozenset((STORY, SPUN))] == "partial"  # (spun needs the spin layer)
    assert not any(STORM in pair for pair in kinds)
    pairs = {frozenset((p["a"], p["b"])): p for p in read_jsonl(tmp_path / "out" / "pairs.jsonl")}
    repost = pairs[frozenset((STORY, REPOST))]
    assert repost["source"] == STORY  # fetched first
    for passage in repost["passages"]:
        a, b = texts[repost["a"]][slice(*passage["a"])], texts[repost["b"]][slice(*passage["b"])]
        assert _words(a) == _words(b)
    shared = [texts[LATER][slice(*p["b" if pairs[frozenset((STORY, LATER))]["b"] == LATER else "a"])]
              for p in pairs[frozenset((STORY, LATER))]["passages"]]
    assert any("the senior negotiator for the United States" in s for s in shared)


def test_records_that_are_no_page_are_skips_naming_the_record(tmp_path):
    w = _make_warc()
    date = "2024-03-05T10:00:00Z"
    story = (NEWS / "story.txt").read_bytes()
    page = w.page_of_text(NEWS / "story.txt", "Wire")
    w.write_warc(tmp_path / "bad.warc.gz", [
        w.warcinfo(date),
        w.response("https://x.example/logo.png", date, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        w.response("https://x.example/gone", date, b"<html><body><p>Not found</p></body></html>", status="404 Not Found"),
        w.response("https://x.example/blank", date, b"<html><body></body></html>"),
        w.response("https://x.example/nul", date, b"<html>\x00\x00\x00\x00</html>"),
        w.response("https://x.example/style.css", date, b"p { color: red }", "text/css"),
        w.response(None, date, story, "text/plain; charset=utf-8"),  # no WARC-Target-URI: named by its record id
        w.response("https://x.example/story", date, page),
        w.response("https://x.example/story", "2024-03-06T10:00:00Z", page),  # fetched again
        w.request("https://x.example/story", date),
    ])
    items = list(read_inputs([tmp_path / "bad.warc.gz"]))
    skips = {s.record: s for s in items if isinstance(s, Skip)}
    assert {r: (s.id, s.reason) for r, s in skips.items()} == {
        "bad.warc.gz:record 2": ("https://x.example/logo.png", "not a page: Content-Type 'image/png'"),
        "bad.warc.gz:record 3": ("https://x.example/gone", "HTTP status 404, not a page"),
        "bad.warc.gz:record 4": ("https://x.example/blank", "empty text"),
        "bad.warc.gz:record 5": ("https://x.example/nul", "binary content (NUL bytes), not text"),
        "bad.warc.gz:record 6": ("https://x.example/style.css", "not a page: Content-Type 'text/css'"),
        "bad.warc.gz:record 9": ("https://x.example/story", "duplicate id 'https://x.example/story'"),
    }
    docs = [d for d in items if isinstance(d, Document)]
    assert [d.record for d in docs] == ["bad.warc.gz:record 7", "bad.warc.gz:record 8"]
    assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", docs[0].id) and docs[0].metadata["warc_record_id"] == docs[0].id
    assert docs[0].text == story.decode("utf-8") and docs[1].date == date

    code, _, stderr = run_cli("scan", tmp_path / "bad.warc.gz", "--layers", "lexical", "--out", tmp_path / "out")
    assert code == 1
    assert "skipped bad.warc.gz:record 2 (id https://x.example/logo.png): not a page: Content-Type 'image/png'" in stderr
    assert "6 input(s) skipped" in stderr
    assert pair_kinds(tmp_path / "out") == {frozenset((docs[0].id, "https://x.example/story")): "exact"}


def _cut_inside(data: bytes, member: int) -> bytes:
    """The gzipped WARC cut in the middle of its gzip member number `member` (0-based)."""
    starts = [m.start() for m in re.finditer(b"\x1f\x8b\x08", data)]
    return data[: (starts[member] + starts[member + 1]) // 2]


def test_a_truncated_or_corrupt_warc_keeps_the_records_before_the_damage_and_costs_nothing_else(tmp_path):
    data = CRAWL.read_bytes()
    (tmp_path / "corpus").mkdir()
    # members: warcinfo, then request and response per page; cut inside the later version's response (member 6)
    (tmp_path / "corpus" / "a-cut.warc.gz").write_bytes(_cut_inside(data, 6))
    corrupt = bytearray(data)
    starts = [m.start() for m in re.finditer(b"\x1f\x8b\x08", data)]
    corrupt[starts[8] + 20: starts[8] + 60] = b"\xff" * 40  # inside the spun page's response
    (tmp_path / "corpus" / "b-corrupt.warc.gz").write_bytes(bytes(corrupt))
    (tmp_path / "corpus" / "later-version.txt").write_bytes((NEWS / "later-version.txt").read_bytes())

    items = list(read_inputs([tmp_path / "corpus"]))
    by_file = {}
    for item in items:
        by_file.setdefault(item.record.split(":")[0].rsplit("/", 1)[-1], []).append(item)
    cut, broken = by_file["a-cut.warc.gz"], by_file["b-corrupt.warc.gz"]
    assert [d.id for d in cut if isinstance(d, Document)] == [STORY, REPOST]
    assert [(s.record, s.reason) for s in cut if isinstance(s, Skip)] == [
        (str(tmp_path / "corpus" / "a-cut.warc.gz"), "unreadable corpus file: Compressed file ended before the "
         "end-of-stream marker was reached (after record 6; the records before it are read)")]
    # the corrupt file's pages before the damage (the story, the repost, the later version) are read, and are
    # duplicates of the cut file's first two (the same URIs); its damage is one skip of the file
    assert [d.id for d in broken if isinstance(d, Document)] == [LATER]
    assert [getattr(s, "reason", None) for s in broken][:2] == [f"duplicate id {STORY!r}", f"duplicate id {REPOST!r}"]
    assert broken[-1].record == str(tmp_path / "corpus" / "b-corrupt.warc.gz")
    assert broken[-1].reason.startswith("unreadable corpus file: ") and "after record 8" in broken[-1].reason
    assert len(broken) == 4
    assert [d.id for d in by_file["later-version.txt"]] == ["later-version.txt"]

    code, _, stderr = run_cli("scan", tmp_path / "corpus", "--layers", "lexical", "--out", tmp_path / "out")
    assert code == 1 and "a-cut.warc.gz" in stderr and "b-corrupt.warc.gz" in stderr
    kinds = pair_kinds(tmp_path / "out")
    assert kinds[frozenset((STORY, REPOST))] == "near_duplicate"
    assert kinds[frozenset((LATER, "later-version.txt"))] == "exact"  # the file after the damaged ones is read


def test_an_uncompressed_warc_cut_short_names_the_record_cut(tmp_path):
    plain = gzip.decompress(CRAWL.read_bytes())
    cut = plain[: plain.index(b"grain corridor", plain.index(LATER.encode() + b"\r\nContent-Type: application/http"))]
    (tmp_path / "crawl.warc").write_bytes(cut)
    items = list(read_inputs([tmp_path / "crawl.warc"]))
    assert [d.id for d in items if isinstance(d, Document)] == [STORY, REPOST]
    (skip,) = [s for s in items if isinstance(s, Skip)]
    assert skip.record == "crawl.warc:record 7" and skip.id == LATER and skip.reason.startswith("record cut short: ")
    (tmp_path / "whole.warc").write_bytes(plain)
    assert [d.id for d in read_inputs([tmp_path / "whole.warc"])] == [STORY, REPOST, LATER, SPUN, STORM]


def test_dedup_the_index_and_the_report_read_warc_too(tmp_path):
    code, _, stderr = run_cli("dedup", CRAWL, "--out", tmp_path / "kept.jsonl")
    assert code == 0, stderr
    kept = {r["id"]: r for r in read_jsonl(tmp_path / "kept.jsonl")}
    dropped = {r["id"]: r for r in read_jsonl(tmp_path / "kept.jsonl.dropped.jsonl")}
    assert dropped[REPOST]["kept"] == STORY and STORY in kept and REPOST not in kept
    assert kept[STORY]["date"] == "2024-03-03T07:00:00Z" and kept[STORY]["warc_record_id"].startswith("<urn:uuid:")

    index = tmp_path / "index"
    code, _, stderr = run_cli("index", "add", index, CRAWL, "--layers", "lexical")
    assert code == 0, stderr
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "story.txt").write_bytes((NEWS / "story.txt").read_bytes())
    code, _, stderr = run_cli("index", "query", index, tmp_path / "q", "--out", tmp_path / "found.jsonl")
    assert code == 0, stderr
    assert {(p["a"], p["b"]) for p in read_jsonl(tmp_path / "found.jsonl")} >= {("story.txt", STORY), ("story.txt", REPOST)}

    code, _, stderr = run_cli("scan", CRAWL, "--layers", "lexical", "--out", tmp_path / "out", "-q")
    assert code == 0, stderr
    code, _, stderr = run_cli("report", tmp_path / "out", CRAWL, "--out", tmp_path / "report.html")
    assert code == 0, stderr
    assert "the senior negotiator for the United States" in (tmp_path / "report.html").read_text(encoding="utf-8")
