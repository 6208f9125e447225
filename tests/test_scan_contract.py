"""`copytrace scan` on the shipped example: the repost is a near_duplicate, the later version a partial copy."""
import re
import subprocess
import sys

import pytest

from conftest import CHECKER, pair_kinds, read_jsonl, run_cli
from copytrace.read.files import html_main_text


def _words(text):
    return re.findall(r"\w+", text.lower())


def _original(examples, doc_id):
    path = examples / doc_id
    raw = path.read_text(encoding="utf-8")
    return html_main_text(raw) if path.suffix == ".html" else raw


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from conftest import EXAMPLES

    out = tmp_path_factory.mktemp("scan")
    code, stdout, stderr = run_cli("scan", EXAMPLES, "--out", out, "--quiet")
    assert code == 0, stderr
    return out


def test_repost_is_near_duplicate_and_later_version_is_partial(scanned):
    kinds = pair_kinds(scanned)
    assert kinds == {
        frozenset({"story.txt", "repost.html"}): "near_duplicate",
        frozenset({"story.txt", "later-version.txt"}): "partial",
        frozenset({"repost.html", "later-version.txt"}): "partial",
    }


def test_unrelated_article_is_in_no_pair_although_the_repost_teases_it(scanned):
    pairs = read_jsonl(scanned / "pairs.jsonl")
    assert pairs
    for p in pairs:
        assert "unrelated.txt" not in (p["a"], p["b"])


def test_passage_offsets_slice_matching_text_out_of_both_originals(scanned, examples):
    pairs = read_jsonl(scanned / "pairs.jsonl")
    assert pairs
    for p in pairs:
        ta, tb = _original(examples, p["a"]), _original(examples, p["b"])
        assert p["passages"]
        for q in p["passages"]:
            a_words, b_words = _words(ta[q["a"][0]:q["a"][1]]), _words(tb[q["b"][0]:q["b"][1]])
            assert len(a_words) >= 10
            assert a_words == b_words


def test_output_passes_the_shared_contract_checker(scanned, examples):
    if not CHECKER.exists():
        pytest.skip(f"{CHECKER} not present")
    proc = subprocess.run([sys.executable, str(CHECKER), str(scanned), str(examples)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_documents_record_language_and_furniture(scanned):
    docs = {d["id"]: d for d in read_jsonl(scanned / "documents.jsonl")}
    assert set(docs) == {"story.txt", "repost.html", "later-version.txt", "unrelated.txt"}
    assert all(d["lang"] == "en" for d in docs.values())
    assert docs["repost.html"]["boilerplate_chars"] > 0
    assert docs["story.txt"]["boilerplate_chars"] == 0


def test_the_repost_names_the_clean_story_as_source_and_forms_one_family(scanned):
    pairs = read_jsonl(scanned / "pairs.jsonl")
    repost = next(p for p in pairs if {p["a"], p["b"]} == {"story.txt", "repost.html"})
    assert repost["source"] == "story.txt"
    clusters = read_jsonl(scanned / "clusters.jsonl")
    assert [c["members"] for c in clusters if c["kind"] == "copies"] == [["later-version.txt", "repost.html", "story.txt"]]
