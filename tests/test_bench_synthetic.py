"""Tests of bench/synthetic.py: the seeded synthetic disguise suite.

They need the real news articles (../shared/data/news next to the repo, or $COPYTRACE_DATA)
and skip without them; the spun checks also need WordNet (/usr/share/wordnet).
"""
from __future__ import annotations

import difflib
import importlib.util
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from copytrace.text.tokens import tokenize

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COPYTRACE_DATA") or REPO.parent / "shared" / "data")
NEWS_ZIP = DATA / "news" / "NewsArticles.zip"
SMALL_SCALE = 0.05


def _load_module():
    spec = importlib.util.spec_from_file_location("bench_synthetic", REPO / "bench" / "synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


syn = _load_module()
needs_news = pytest.mark.skipif(not NEWS_ZIP.exists(), reason=f"news data absent: {NEWS_ZIP} (set COPYTRACE_DATA)")
needs_wordnet = pytest.mark.skipif(not syn.WordNet.available(),
                                   reason=f"WordNet absent in {syn.WORDNET_DIR}: apt-get install wordnet-base")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    if not NEWS_ZIP.exists():
        pytest.skip(f"news data absent: {NEWS_ZIP} (set COPYTRACE_DATA)")
    out = tmp_path_factory.mktemp("suite")
    files = syn.build("tune", out, seed=13, news_zip=NEWS_ZIP, scale=SMALL_SCALE)
    return files, _jsonl(files.corpus), _jsonl(files.truth)


# ------------------------------------------------------------------ files and kinds

@needs_news
def test_files_and_kinds(suite):
    files, corpus, truth = suite
    ids = [d["id"] for d in corpus]
    assert ids and len(ids) == len(set(ids)), "document ids must be unique"
    assert all(isinstance(d["text"], str) for d in corpus)
    kinds = Counter(t["kind"] for t in truth)
    expected = {"exact", "near_duplicate", "partial", "paraphrase", "translation", "same_story", "partial_translation",
                "stripped_translation", "stripped_paraphrase"}
    if syn.WordNet.available():
        expected |= {"spun", "partial_spun", "partial_paraphrase"}
    assert expected <= set(kinds), kinds
    for t in truth:
        assert t["a"] in ids and t["b"] in ids, t
        assert t["split"] == "tune"
    for t in truth:
        if t["kind"] in ("same_story", "native_reuse") or t.get("variant") in ("in_corpus", "host"):
            continue
        if t.get("variant") == "foreign_pair":  # two translations of one article
            assert t["a"].startswith("syn-strans-") and t["b"].startswith("syn-strans-"), t
            continue
        assert t["a"].startswith("news-") and t["b"].startswith("syn-")
        if t.get("variant") != "story":  # a translation made for a same-story pair is in the pair's split
            assert syn.split_of(t["a"].removeprefix("news-")) == "tune"
    assert files.counts["derived"] == sum(1 for i in ids if i.startswith("syn-"))


@needs_news
def test_full_scale_keeps_every_original(tmp_path):
    """Every one of the 3,824 originals is a distractor at scale 1 (checked cheaply via ids)."""
    arts = syn.load_articles(NEWS_ZIP)
    assert len(arts) == 3824
    keep = syn._kept_originals(arts, set(), [], 13, 1.0)
    assert len(keep) == 3824


@needs_news
def test_in_corpus_exact_groups():
    groups = syn.exact_duplicate_groups(NEWS_ZIP, include_trivial=True)
    assert len(groups) == 6
    assert len(syn.exact_duplicate_groups(NEWS_ZIP)) == 3


@needs_news
def test_deterministic(suite, tmp_path):
    files, _, _ = suite
    again = syn.build("tune", tmp_path, seed=13, news_zip=NEWS_ZIP, scale=SMALL_SCALE)
    assert again.corpus.read_bytes() == files.corpus.read_bytes()
    assert again.truth.read_bytes() == files.truth.read_bytes()


@needs_news
def test_splits_disjoint(tmp_path):
    test = syn.build("test", tmp_path, seed=13, news_zip=NEWS_ZIP, scale=SMALL_SCALE)
    truth = _jsonl(test.truth)
    assert truth and all(t["split"] == "test" for t in truth)
    for t in truth:
        if t["kind"] not in ("same_story", "native_reuse") and t.get("variant") not in ("in_corpus", "host"):
            assert syn.split_of(t["a"].removeprefix("news-")) == "test"


# ------------------------------------------------------------------ kinds look right

@needs_news
def test_near_duplicate_has_furniture_and_whole_body(suite):
    _, corpus, truth = suite
    text = {d["id"]: d["text"] for d in corpus}
    near = [t for t in truth if t["kind"] == "near_duplicate"]
    assert near
    for t in near:
        page = text[t["b"]]
        assert "Related Posts" in page and "Leave a Reply" in page and "Share this:" in page
        src_paras = syn.paragraphs(text[t["a"]])
        assert sum(p in page for p in src_paras) >= len(src_paras) - 1
        assert t["a"] not in t["teasers"]


@needs_news
def test_partial_fraction(suite):
    _, _, truth = suite
    partial = [t for t in truth if t["kind"] == "partial" and t.get("variant") != "host"]
    assert partial
    for t in partial:
        assert 0.2 <= t["fraction"] <= 0.8, t


def _diff_stats(original: str, spun: str) -> tuple[float, float]:
    """(fraction of content words changed, fraction of function words kept), by word alignment."""
    a = [w.lower() for w in syn.words_of(original)]
    b = [w.lower() for w in syn.words_of(spun)]
    kept = [False] * len(a)
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for i in range(block.a, block.a + block.size):
            kept[i] = True
    content = [k for w, k in zip(a, kept) if syn.is_content_word(w)]
    function = [k for w, k in zip(a, kept) if w in syn.FUNCTION_WORDS]
    return 1 - sum(content) / len(content), sum(function) / len(function)


@needs_news
@needs_wordnet
def test_spun_35_changes_about_35_percent(suite):
    _, corpus, truth = suite
    text = {d["id"]: d["text"] for d in corpus}
    spun = [t for t in truth if t["kind"] == "spun" and t["rate"] == 0.35]
    assert spun
    for t in spun:
        changed, function_kept = _diff_stats(text[t["a"]], text[t["b"]])
        assert 0.27 <= changed <= 0.45, (t["b"], changed)
        assert function_kept >= 0.95, (t["b"], function_kept)


@needs_wordnet
def test_spinner_quirks():
    import random
    wn = syn.wordnet()
    res = syn.spin("Laura K. Cooper said the military exercises were planned.", 1.0, random.Random(1), wn)
    assert res.n_content >= 5 and res.n_changed >= 4
    assert res.text.split()[0][0].isupper()
    assert "synonym" not in res.text
    assert set(syn.synonym_candidates("said", wn)) >= {"stated"}


# ------------------------------------------------------------------ evaluate

@needs_news
def test_evaluate_perfect_and_empty(suite):
    files, _, truth = suite
    perfect = [(t["a"], t["b"], syn.REPORTED_AS.get(t["kind"], t["kind"]), t.get("passages", []))
               for t in truth if t["kind"] != "same_story"]
    perfect += [(t["a"], t["b"], "same_story") for t in truth if t["kind"] == "same_story"]
    res = syn.evaluate(perfect, files.truth)
    assert any(res[kind]["n"] for kind in syn.COPY_KINDS)
    for kind in syn.COPY_KINDS:
        if res[kind]["n"]:
            assert res[kind]["recall"] == 1.0, kind
            assert res[kind]["precision"] == 1.0, kind
            assert res[kind]["kind_accuracy"] == 1.0, kind
    for kind in syn.PARTIAL_DISGUISED_KINDS:
        assert res[kind]["n"] and res[kind]["passage_recall"] == 1.0, kind
    assert res["same_story"]["false_copy_rate"] == 0.0
    empty = syn.evaluate([], files.truth)
    assert all(empty[k]["recall"] == 0.0 for k in syn.COPY_KINDS)
    assert set(empty) == set(syn.COPY_KINDS) | {"same_story"}


@needs_news
def test_evaluate_penalises_wrong_pairs_and_same_story(suite):
    files, _, truth = suite
    spun = [t for t in truth if t["kind"] == "partial" and t.get("variant") != "host"][0]
    same = [t for t in truth if t["kind"] == "same_story"][0]
    host = [t for t in truth if t.get("variant") == "host" and t["b"] == spun["b"]][0]
    reported = [(spun["b"], "news-0-not-a-doc", "copy"),          # wrong family
                (spun["a"], spun["b"], "copy"),                  # found, wrong kind name
                (host["a"], spun["b"], "partial"),               # the host side is a true copy
                (same["a"], same["b"], "near_duplicate")]        # same story called a copy
    res = syn.evaluate(reported, files.truth)
    assert res["partial"]["precision"] == pytest.approx(2 / 3)
    assert res["partial"]["kind_accuracy"] == pytest.approx(0.5)
    assert res["same_story"]["false_copy_rate"] == pytest.approx(1 / res["same_story"]["n"])


def test_families_do_not_chain_through_partial_hosts(tmp_path):
    truth = tmp_path / "truth.jsonl"
    rows = [{"a": "news-1", "b": "syn-p", "kind": "partial", "split": "tune"},
            {"a": "news-2", "b": "syn-p", "kind": "partial", "split": "tune", "variant": "host"},
            {"a": "news-1", "b": "syn-s", "kind": "spun", "split": "tune", "rate": 0.2},
            {"a": "news-3", "b": "news-4", "kind": "exact", "split": "tune", "variant": "in_corpus"},
            {"a": "news-4", "b": "syn-e", "kind": "exact", "split": "tune"}]
    truth.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = syn.evaluate([("syn-s", "syn-p", "copy"), ("news-2", "syn-s", "copy"),
                        ("news-3", "syn-e", "exact")], truth)
    assert res["spun"]["precision"] == pytest.approx(0.5)       # syn-s ~ syn-p yes; news-2 ~ syn-s no
    assert res["exact"]["precision"] == 1.0                      # via the in-corpus group


# ------------------------------------------------------------------ hand-written data

def test_translation_index_consistent():
    entries = syn.load_translations()
    assert entries, "bench/data/translations/index.tsv is missing"
    for e in entries:
        assert e.path.exists(), e.path
        assert e.split == syn.split_of(e.article_id), e
        n = len(tokenize([e.path.read_text(encoding="utf-8")]).hashes)  # Chinese and Japanese: characters
        assert 90 <= n <= 700, (e.path.name, n)
    trans = [e for e in entries if e.variant == "translation"]
    assert len({e.article_id for e in trans}) >= 40
    assert {e.lang for e in trans} >= {"de", "fr", "es", "it", "pt", "nl"}
    assert sum(e.variant == "round_trip" for e in entries) >= 6
    for split in syn.SPLITS:
        assert sum(e.split == split for e in trans) >= 20


def test_same_story_pairs_file():
    pairs = syn.load_same_story()
    assert len(pairs) >= 40
    for split in syn.SPLITS:
        assert sum(p.split == split for p in pairs) >= 20
    for p in pairs:
        assert p.split == syn.split_of(p.a_id) and p.a_id != p.b_id and p.note


@needs_news
def test_same_story_pairs_are_not_copies():
    arts = {a.article_id: a for a in syn.load_articles(NEWS_ZIP)}
    pairs = syn.load_same_story()
    assert pairs
    for p in pairs:
        a, b = arts[p.a_id], arts[p.b_id]
        assert a.outlet != b.outlet, p
        assert syn.containment(a.text, b.text) < 0.15, p


@needs_news
def test_translation_excerpts_match_paragraphs():
    arts = {a.article_id: a for a in syn.load_articles(NEWS_ZIP)}
    entries = syn.load_translations()
    assert entries
    for e in entries:
        paras = syn.paragraphs(arts[e.article_id].text)
        lo, _, hi = e.paragraphs.partition("-")
        assert int(hi or lo) < len(paras), e


def test_pairs_the_truth_cannot_judge_are_left_out_of_precision(tmp_path):
    """A spun copy of news-1 found to copy news-2, when news-1 and news-2 already share a passage in the corpus,
    is neither right nor wrong by the truth: it leaves precision, is counted, and precision_strict still has it."""
    truth = [
        {"a": "news-1", "b": "syn-spun20-0000", "kind": "spun", "split": "tune"},
        {"a": "news-1", "b": "news-2", "kind": "native_reuse", "split": "tune", "shared_shingles": 40},
    ]
    path = tmp_path / "truth.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in truth), encoding="utf-8")
    reported = [("news-1", "syn-spun20-0000", "spun"), ("news-2", "syn-spun20-0000", "partial"),
                ("news-3", "syn-spun20-0000", "partial")]
    res = syn.evaluate(reported, path)["spun"]
    assert res["n_reported"] == 3 and res["n_unlabelled"] == 1
    assert res["precision"] == 0.5  # news-1 right, news-3 wrong, news-2 left out
    assert res["precision_strict"] == pytest.approx(1 / 3)


@needs_news
def test_disguised_passages_sit_inside_another_outlets_article(suite):
    """partial_spun / partial_paraphrase / partial_translation: 3-8 source sentences, disguised, between two blocks
    of a host article from another outlet; the truth's passages point at them in both texts."""
    files, corpus, truth = suite
    texts = {d["id"]: d["text"] for d in corpus}
    arts = {a.doc_id: a for a in syn.load_articles(NEWS_ZIP)}
    lines = [t for t in truth if t["kind"] in syn.PARTIAL_DISGUISED_KINDS and t.get("variant") != "host"]
    assert {t["kind"] for t in lines} >= {"partial_translation"}
    for t in lines:
        (a0, a1), (b0, b1) = t["passages"][0]["a"], t["passages"][0]["b"]
        source, page = texts[t["a"]][a0:a1], texts[t["b"]]
        assert syn.PASSAGE_MIN_SENTENCES <= t["sentences"] <= syn.PASSAGE_MAX_SENTENCES, t
        assert source and source == source.strip() and 0 < b0 < b1 < len(page), t
        assert page[:b0].strip() and page[b1:].strip(), t  # host text on either side
        host = arts[t["host"]]
        assert host.outlet != arts[t["a"]].outlet
        hosts = [h for h in truth if h["b"] == t["b"] and h.get("variant") == "host"]
        assert [h["a"] for h in hosts] == [t["host"]]
        if t["kind"] == "partial_spun":  # the spinner keeps every sentence's function words and order
            assert len(syn.sentences(page[b0:b1])) >= len(syn.sentences(source)) - 1
    res = syn.evaluate([], files.truth)
    assert all(res[k]["passage_recall"] == 0.0 for k in syn.PARTIAL_DISGUISED_KINDS)


def test_passages_are_scored_on_both_sides_whichever_way_a_pair_is_reported():
    line = {"a": "news-1", "b": "syn-pspun-0000", "passages": [{"a": [100, 200], "b": [1000, 1100]}]}
    right = [{"a": [95, 190], "b": [1000, 1100]}]
    assert syn.passage_found(line, "news-1", right)
    assert syn.passage_found(line, "syn-pspun-0000", [{"a": p["b"], "b": p["a"]} for p in right])
    assert not syn.passage_found(line, "news-1", [{"a": [100, 200], "b": [1000, 1050]}])  # half of one side
    assert not syn.passage_found(line, "news-1", [{"a": [0, 50], "b": [1000, 1100]}])


# ------------------------------------------------------------------ stripped of names and numbers

def test_a_stripped_copy_shares_no_name_and_no_number_with_its_source_and_keeps_the_rest():
    import random

    source = ("Russian President Vladimir Putin met Turkish leader Recep Tayyip Erdogan in Moscow on Friday. "
              "Putin said 4,500 troops would stay in Syria until 2018, the Kremlin said. "
              "Officials in Ankara welcomed the deal.")
    german = ("Der russische Präsident Wladimir Putin hat am Freitag in Moskau den türkischen Staatschef Recep Tayyip "
              "Erdoğan getroffen. Putin sagte, 4.500 Soldaten würden bis 2018 in Syrien bleiben, teilte der Kreml mit. "
              "Beamte in Ankara begrüßten die Vereinbarung.")
    for text, lang in ((source.replace("met", "held talks with"), "en"), (german, "de")):
        out, extra = syn.stripped(text, source, random.Random(1), lang)
        assert extra["shared"] == [] and syn.shared_anchors(out, source) == set()
        for name in ("Putin", "Erdogan", "Erdoğan", "Moscow", "Moskau", "Syria", "Syrien", "Ankara", "Kreml",
                     "Kremlin", "4,500", "4.500", "2018"):
            assert name not in out, (name, out)
        assert extra["numbers"] == 3 and extra["name_kinds"]["place"] >= 3
        # a place by a place, everything that is no name kept
        assert any(place in out for place in syn.STRIPPED_PLACES)
        assert ("Freitag" in out) if lang == "de" else ("Friday" in out and "President" in out)
    out, _ = syn.stripped(german, source, random.Random(1), "de")
    assert "Präsident" in out and "Soldaten" in out  # German nouns are no names


@needs_news
def test_stripped_copies_are_every_latin_script_translation_and_fresh_paraphrases(suite):
    files, corpus, truth = suite
    text = {d["id"]: d["text"] for d in corpus}
    lines = [t for t in truth if t["kind"] in syn.STRIPPED_KINDS]
    assert {t["kind"] for t in lines} == set(syn.STRIPPED_KINDS)
    sources = Counter(t["a"] for t in truth if t["kind"] in ("exact", "near_duplicate", "spun", "paraphrase"))
    for t in lines:
        assert t["shared"] == [] and t["names"] > 0, t
        assert syn.shared_anchors(text[t["b"]], text[t["a"]]) == set()
        if t["kind"] == "stripped_paraphrase":
            assert t["b"].startswith("syn-stripped-para-") and t["a"] not in sources  # a fresh source
        else:
            assert t["lang"] in syn.STRIPPED_LANGS and t["b"].startswith(f"syn-stripped-trans-{t['lang']}-")
