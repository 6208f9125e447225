"""The HTML report, opened in a real headless browser (Debian's chromium through Selenium): every pair is listed,
the highlights sit exactly at the reported offsets, filters and search change what is shown, untrusted texts and
ids stay text. Screenshots go to each test's tmp folder. Skipped, saying why, where no chromium is installed
(.ci/run installs it)."""
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, read_jsonl, run_cli
from copytrace.document import Document
from copytrace.read import read_inputs
from copytrace.write.report import differing_words, pair_row, read_results, script_json

DISGUISED = ROOT / "examples" / "disguised"
NEWS = ROOT / "examples" / "news"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1600")
HOSTILE_ID = '<img src=x onerror="window.__xss=1">'
HOSTILE_TEXT = "<script>window.__xss=2</script>"


def _chromium() -> tuple[str, str] | None:
    browser = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser():
    found = _chromium()
    if found is None:
        pytest.skip("no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="copytrace-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(found[1]))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _texts(*inputs, **fields) -> dict[str, str]:
    from copytrace.read import RecordFields

    return {d.id: d.text for d in read_inputs([str(p) for p in inputs], RecordFields(**fields))
            if isinstance(d, Document)}


def _open(browser, report: Path, shot: Path | None = None):
    browser.get(report.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    if shot is not None:
        browser.save_screenshot(str(shot))


def _listed(browser) -> list[tuple[str, str, str, float]]:
    return [tuple(r) for r in browser.execute_script(
        "return Array.from(document.querySelectorAll('#pair-rows .pair-row')).map(r => [r.getAttribute('data-a'), "
        "r.getAttribute('data-b'), r.getAttribute('data-kind'), Number(r.getAttribute('data-score'))])")]


_MARKS = """
const out = [];
document.querySelectorAll('#pair-detail .ct-passage').forEach(row => {
  ['a', 'b'].forEach(side => {
    row.querySelectorAll('.ct-side-' + side + ' mark.ct-reused').forEach(m => out.push({
      passage: Number(row.getAttribute('data-passage')), side: side, start: Number(m.getAttribute('data-start')),
      end: Number(m.getAttribute('data-end')), text: m.textContent,
      differ: Array.from(m.querySelectorAll('.ct-differ')).map(d =>
        [Number(d.getAttribute('data-start')), Number(d.getAttribute('data-end')), d.textContent])}));
  });
});
return out;"""


def _open_pair(browser, a: str, b: str) -> list[dict]:
    """Open the pair (a, b) by clicking its row; the highlights the pair view drew."""
    row = next(r for r in browser.find_elements("css selector", "#pair-rows .pair-row")
               if (r.get_attribute("data-a"), r.get_attribute("data-b")) == (a, b))
    row.click()
    detail = browser.find_element("css selector", "#pair-detail .ct-pair")
    assert (detail.get_attribute("data-a"), detail.get_attribute("data-b")) == (a, b)
    return browser.execute_script(_MARKS)


def _assert_highlights_at_reported_offsets(browser, pairs: list[dict], texts: dict[str, str]) -> int:
    """Every passage of every pair is highlighted once per side, and the highlighted text is the document's text
    sliced at the reported offsets (so is every word marked as differing). Returns how many words were marked."""
    marked = 0
    for pair in pairs:
        marks = _open_pair(browser, pair["a"], pair["b"])
        assert len(marks) == 2 * len(pair["passages"])
        for m in marks:
            passage = pair["passages"][m["passage"]]
            doc = pair[m["side"]]
            assert [m["start"], m["end"]] == passage[m["side"]]
            assert m["text"] == texts[doc][m["start"]:m["end"]]
            for start, end, word in m["differ"]:
                assert word == texts[doc][start:end] and m["start"] <= start < end <= m["end"]
                marked += 1
    return marked


def test_the_disguised_example_report_lists_every_pair_and_highlights_each_passage_where_reported(
        browser, tmp_path):
    out, report = tmp_path / "out", tmp_path / "report.html"
    code, _, err = run_cli("scan", DISGUISED, "--out", out, "-q", "--report", report)
    assert code == 0, err
    pairs = read_jsonl(out / "pairs.jsonl")
    _open(browser, report, tmp_path / "disguised.png")
    listed = _listed(browser)
    assert sorted((a, b, kind) for a, b, kind, _ in listed) == sorted((p["a"], p["b"], p["kind"]) for p in pairs)
    texts = _texts(DISGUISED)
    _assert_highlights_at_reported_offsets(browser, pairs, texts)
    spun = next(p for p in pairs if p["kind"] == "spun")
    marks = _open_pair(browser, spun["a"], spun["b"])
    browser.save_screenshot(str(tmp_path / "disguised-spun.png"))
    differing = {word for m in marks for _, _, word in m["differ"]}
    assert {"corridor", "hallway", "talks", "negotiations"} <= differing  # the spinner's swaps, both sides
    assert "Vienna" not in differing and "grain" not in differing  # the words it kept are not marked
    pair = next(p for p in read_results(out).pairs if (p.a, p.b) == (spun["a"], spun["b"]))
    row = pair_row(pair, texts[pair.a], texts[pair.b])  # the spans the page was given, packed, before packing
    assert {(m["passage"], m["side"]): [[s, e] for s, e, _ in m["differ"]] for m in marks} == {
        (k, side): q["differ"][side] for k, q in enumerate(row["passages"]) for side in "ab"}
    assert (tmp_path / "disguised.png").stat().st_size > 10_000


def test_filters_by_kind_and_score_and_search_by_id_change_the_list(browser, tmp_path):
    out, report = tmp_path / "out", tmp_path / "report.html"
    assert run_cli("scan", DISGUISED, "--out", out, "-q", "--report", report)[0] == 0
    pairs = read_jsonl(out / "pairs.jsonl")
    _open(browser, report)
    status = browser.find_element("id", "pair-status")
    assert status.text == f"{len(pairs)} of {len(pairs)} pairs"

    browser.find_element("id", "filter-kind-translation").click()
    assert {k for _, _, k, _ in _listed(browser)} == {p["kind"] for p in pairs} - {"translation"}
    assert status.text == f"{sum(p['kind'] != 'translation' for p in pairs)} of {len(pairs)} pairs"
    browser.find_element("id", "filter-kind-translation").click()

    score = browser.find_element("id", "filter-score")
    score.clear()
    score.send_keys("0.7")
    assert sorted(s for *_, s in _listed(browser)) == sorted(p["score"] for p in pairs if p["score"] >= 0.7)
    score.clear()
    score.send_keys("0")

    search = browser.find_element("id", "filter-search")
    search.send_keys("SPUN")  # case does not matter
    assert {(a, b) for a, b, *_ in _listed(browser)} == {(p["a"], p["b"]) for p in pairs if "spun" in p["a"] + p["b"]}
    family_members = browser.execute_script(
        "return Array.from(document.querySelectorAll('#family-list .family')).length")
    assert family_members == 1  # the family holding spun.txt
    browser.save_screenshot(str(tmp_path / "search.png"))
    search.clear()
    search.send_keys("no such document")
    assert _listed(browser) == [] and status.text == f"0 of {len(pairs)} pairs"


STORY = (NEWS / "story.txt").read_text(encoding="utf-8")
LATER = (NEWS / "later-version.txt").read_text(encoding="utf-8")
OTHER = (NEWS / "unrelated.txt").read_text(encoding="utf-8")


def _hostile_corpus(path: Path) -> Path:
    """A wire story; a repost of it whose id is markup and whose text holds a script, a closing script tag and
    characters outside the BMP before the passage (UTF-16 offsets differ from character offsets there); a later
    version; an unrelated text. Dated, so the wire story is the original."""
    repost = f"\U0001F6A2\U0001F4F0 {HOSTILE_TEXT} Home | World\n{STORY}\n</script><!-- Share this \U0001F44D"
    rows = [{"id": "wire/story", "text": STORY, "date": "2024-03-01"},
            {"id": HOSTILE_ID, "text": repost, "date": "2024-03-02"},
            {"id": "later", "text": LATER, "date": "2024-03-03"},
            {"id": "unrelated", "text": OTHER, "date": "2024-03-01"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_untrusted_ids_and_texts_are_shown_as_text_never_run(browser, tmp_path):
    corpus = _hostile_corpus(tmp_path / "corpus.jsonl")
    out, report = tmp_path / "out", tmp_path / "report.html"
    code, _, err = run_cli("scan", corpus, "--out", out, "-q", "--date-field", "date", "--report", report)
    assert code == 0, err
    page = report.read_text(encoding="utf-8")
    assert HOSTILE_TEXT not in page and HOSTILE_ID not in page  # the data block holds them escaped
    pairs = read_jsonl(out / "pairs.jsonl")
    repost = next(p for p in pairs if {p["a"], p["b"]} == {HOSTILE_ID, "wire/story"})
    assert repost["kind"] == "near_duplicate" and repost["source"] == "wire/story"
    _open(browser, report)
    assert browser.execute_script("return window.__xss") is None
    assert browser.find_elements("css selector", "img") == []
    assert len(browser.find_elements("css selector", "script")) == 2  # the data block and the page's own script
    ids = browser.execute_script(
        "return Array.from(document.querySelectorAll('#pair-rows .pair-row .id')).map(e => e.textContent)")
    assert HOSTILE_ID in ids
    texts = _texts(corpus, date="date")
    _assert_highlights_at_reported_offsets(browser, pairs, texts)
    _open_pair(browser, repost["a"], repost["b"])
    detail = browser.find_element("id", "pair-detail").text
    assert HOSTILE_TEXT in detail and "dated 2024-03-01" in detail and "original" in detail
    assert browser.execute_script("return window.__xss") is None
    browser.save_screenshot(str(tmp_path / "hostile.png"))


def test_report_of_a_finished_scan_reads_the_texts_again_and_dedup_reports_its_drops(browser, tmp_path):
    corpus = _hostile_corpus(tmp_path / "corpus.jsonl")
    out = tmp_path / "out"
    assert run_cli("scan", corpus, "--out", out, "-q", "--date-field", "date")[0] == 0
    report = tmp_path / "later.html"
    code, _, err = run_cli("report", out, corpus, "--out", report, "--date-field", "date")
    assert code == 0, err
    _open(browser, report)
    pairs = read_jsonl(out / "pairs.jsonl")
    _assert_highlights_at_reported_offsets(browser, pairs, _texts(corpus, date="date"))

    bare = tmp_path / "bare.html"
    assert run_cli("report", out, "--out", bare)[0] == 0  # no inputs: offsets only, and a note saying so
    _open(browser, bare)
    assert "offsets only" in browser.find_element("id", "notes").text
    assert browser.find_elements("css selector", "#pair-detail .ct-missing")
    assert run_cli("report", tmp_path / "nowhere", "--out", bare)[0] == 2
    changed = tmp_path / "changed.jsonl"  # the later version edited since the scan: its text is not used
    changed.write_text(corpus.read_text(encoding="utf-8").replace("Vienna", "Geneva, Switzerland"), encoding="utf-8")
    assert run_cli("report", out, changed, "--out", bare, "--date-field", "date")[0] == 0
    _open(browser, bare)
    assert "differ from the scanned ones" in browser.find_element("id", "notes").text

    dedup_report = tmp_path / "dedup.html"
    code, _, err = run_cli("dedup", corpus, "--out", tmp_path / "kept.jsonl", "-q", "--date-field", "date",
                           "--report", dedup_report)
    assert code == 0, err
    dropped = read_jsonl(tmp_path / "kept.jsonl.dropped.jsonl")
    _open(browser, dedup_report, tmp_path / "dedup.png")
    rows = browser.execute_script("return Array.from(document.querySelectorAll('#drop-list .drop')).map(r => "
                                  "[r.getAttribute('data-id'), r.textContent])")
    assert [r[0] for r in rows] == [d["id"] for d in dropped] == [HOSTILE_ID]
    assert dropped[0]["reason"] in rows[0][1] and "wire/story" in rows[0][1]


def test_a_scan_writes_the_same_results_with_or_without_a_report(tmp_path):
    assert run_cli("scan", NEWS, "--out", tmp_path / "plain", "-q")[0] == 0
    assert run_cli("scan", NEWS, "--out", tmp_path / "reported", "-q", "--report", tmp_path / "r.html")[0] == 0
    for name in ("documents.jsonl", "pairs.jsonl", "clusters.jsonl"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "reported" / name).read_bytes()
    assert "<script" not in (tmp_path / "r.html").read_text().split('id="copytrace-data">')[1].split("</script>")[0]


def test_script_json_cannot_close_its_block():
    raw = script_json({"text": "</script><script>alert(1)</script><!-- & -->", "id": "\ud800 lone"})
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert json.loads(raw) == {"text": "</script><script>alert(1)</script><!-- & -->", "id": "\ud800 lone"}


def test_differing_words_marks_the_swapped_words_on_each_side():
    a = "The meeting, hosted by the foreign ministry, lasted five hours."
    b = "The assembly, hosted by the overseas ministry, lasted five hours."
    da, db = differing_words(a, b)
    assert [a[s:e] for s, e in da] == ["meeting", "foreign"]
    assert [b[s:e] for s, e in db] == ["assembly", "overseas"]
    assert differing_words(a, a) == ([], [])


def test_the_report_of_the_synthetic_tune_suite_lists_every_pair_with_its_highlights(browser, tmp_path):
    """The tune split of bench/synthetic.py (every kind of copy, translations among them) at a small scale: every
    pair listed, every passage highlighted at its reported offsets. Needs the shared news data and WordNet."""
    import importlib.util
    import os
    import sys

    data = Path(os.environ.get("COPYTRACE_DATA") or ROOT.parent / "shared" / "data")
    if not (data / "news" / "NewsArticles.zip").exists():
        pytest.skip(f"news data absent: {data / 'news'} (set COPYTRACE_DATA)")
    spec = importlib.util.spec_from_file_location("bench_synthetic", ROOT / "bench" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, synthetic)
    spec.loader.exec_module(synthetic)
    if not synthetic.WordNet.available():
        pytest.skip("WordNet absent: apt-get install wordnet-base")
    suite = synthetic.build("tune", tmp_path / "suite", seed=13, scale=0.05)
    out, report = tmp_path / "out", tmp_path / "tune.html"
    code, _, err = run_cli("scan", suite.corpus, "--out", out, "-q", "--report", report)
    assert code in (0, 1), err
    pairs = read_jsonl(out / "pairs.jsonl")
    assert {p["kind"] for p in pairs} >= {"near_duplicate", "partial", "spun", "translation"}
    _open(browser, report, tmp_path / "tune.png")
    # more pairs than the virtual list draws at once: read them, and open each, through the page's own script
    listed = browser.execute_script(
        "return copytraceReport.filtered().map(i => [i, copytraceReport.pairs[i].a, copytraceReport.pairs[i].b, "
        "copytraceReport.pairs[i].kind])")
    assert sorted((a, b, kind) for _, a, b, kind in listed) == sorted((p["a"], p["b"], p["kind"]) for p in pairs)
    assert len(_listed(browser)) < len(listed)  # (only the visible rows are in the page)
    texts = {r["id"]: r["text"] for r in read_jsonl(suite.corpus)}
    by_pair = {(p["a"], p["b"]): p for p in pairs}
    for i, a, b, _ in listed:
        marks = browser.execute_script(f"copytraceReport.open({i}); " + _MARKS)
        pair = by_pair[(a, b)]
        assert len(marks) == 2 * len(pair["passages"])
        for m in marks:
            side_doc = pair[m["side"]]
            assert [m["start"], m["end"]] == pair["passages"][m["passage"]][m["side"]]
            assert m["text"] == texts[side_doc][m["start"]:m["end"]]
