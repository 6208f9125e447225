"""Smoke tests of the benchmark harness (bench/), so it cannot rot unnoticed.

They run the harness's moving parts on tiny inputs: the speed corpus and its
contenders on 300 documents, the peers, the threshold search, the METER and
Wikipedia-rewrite loaders (skipped when the shared data is absent), and
bench/run.py end to end with no data, where every benchmark must be skipped
with a reason, never crash. No timing is asserted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import common  # noqa: E402
import peers  # noqa: E402

DATA = common.data_root()
needs_news = pytest.mark.skipif(not (DATA / "news" / "NewsArticles.zip").is_file(), reason=f"news data absent under {DATA}")
needs_meter = pytest.mark.skipif(not (DATA / "meter" / "file_index").is_dir(), reason=f"METER absent under {DATA}")
needs_wiki = pytest.mark.skipif(not (DATA / "wikipedia-rewrite" / "file_information.csv").is_file(),
                                reason=f"Wikipedia rewrite corpus absent under {DATA}")

STORY = (
    "Top diplomats from the two countries met in Geneva on Tuesday to discuss the military exercises "
    "planned for the spring. The talks lasted four hours and ended without a joint statement, officials said. "
    "A spokesman for the Department of Defense declined to comment on the substance of the meeting."
)


def test_minhash_similarity_sees_a_copy_and_its_containment():
    pytest.importorskip("datasketch")
    host = STORY + " " + " ".join(f"unrelated filler sentence number {i} about the weather." for i in range(30))
    j, c_story, c_host = peers.minhash_similarity(STORY, host)
    assert j < 0.5  # the copy is diluted in the longer host
    assert c_story > 0.7  # but the short text is nearly all inside it
    assert c_host < c_story
    assert peers.minhash_similarity(STORY, STORY)[0] == pytest.approx(1.0)
    assert peers.minhash_similarity("", STORY) == (0.0, 0.0, 0.0)


def test_minhash_pairs_reports_a_near_duplicate_and_not_a_stranger():
    pytest.importorskip("datasketch")
    edited = STORY.replace("Tuesday", "Wednesday")
    other = "The weather in the north will turn cold this weekend, with snow expected on high ground and icy roads."
    pairs = peers.minhash_pairs([("a", STORY), ("b", edited), ("c", other)], threshold=0.5)
    assert [(a, b) for a, b, _ in pairs] == [("a", "b")]


def test_threshold_search_recovers_a_clean_ordinal_split():
    gold = ["non"] * 5 + ["partially"] * 5 + ["wholly"] * 5
    feats = {"noise": [0.5] * 15, "coverage": [0.1] * 5 + [0.5] * 5 + [0.9] * 5}
    tuned = common.tune_ordinal(feats, gold, ("non", "partially", "wholly"))
    assert tuned["feature"] == "coverage"
    assert tuned["tuning_macro_f1"] == pytest.approx(1.0)
    assert 0.1 < tuned["cuts"][0] <= 0.5 < tuned["cuts"][1] <= 0.9


def test_scores_match_hand_counts():
    gold = ["a", "a", "b", "b"]
    pred = ["a", "b", "b", "b"]
    assert common.f1_per_class(gold, pred, ["a", "b"]) == pytest.approx({"a": 2 / 3, "b": 0.8})
    assert common.binary_f1([True, True, False], [True, False, True]) == pytest.approx(0.5)
    assert common.covered_share("ab cd", [(0, 2)]) == pytest.approx(0.5)


def test_run_measured_reports_exit_and_memory():
    m = common.run_measured([sys.executable, "-c", "import time; x = bytearray(50 * 2**20); print('ok'); time.sleep(0.5)"], timeout_s=60)
    assert m.returncode == 0 and m.stdout.strip() == "ok" and not m.timed_out
    assert m.peak_rss_mb >= 50 and m.cpu_s > 0
    slow = common.run_measured([sys.executable, "-c", "import time; time.sleep(30)"], timeout_s=0.5)
    assert slow.timed_out


@needs_news
def test_speed_harness_on_300_documents(tmp_path):
    pytest.importorskip("datasketch")
    pytest.importorskip("rensa")
    import speed

    info = speed.build_corpus(300, tmp_path)
    assert info["docs"] == 300 and info["planted_pairs"] == 30
    assert info["planted_jaccard"]["min"] >= speed.MIN_PLANTED_JACCARD
    lines = (tmp_path / "corpus.jsonl").read_text().splitlines()
    assert len(lines) == 300 and len({json.loads(x)["id"] for x in lines}) == 300

    contenders = ["datasketch", "rensa"]
    if common.copytrace_importable() is None:
        contenders.append("copytrace_lexical")
    result = speed.run(300, contenders=tuple(contenders), timeout_s=120)
    assert result["docs"] == 300 and result["mb"] > 0
    for name in contenders:
        r = result[name]
        assert "error" not in r, r
        assert r["docs_per_s"] > 0 and r["peak_rss_mb"] > 0
        assert 0.0 <= r["recall"] <= 1.0
    assert result["datasketch"]["recall"] >= 0.8  # planted Jaccard >= 0.75 at an LSH threshold of 0.7


@needs_meter
def test_meter_loader_strips_wire_furniture_and_finds_sources():
    import meter

    courts, showbiz = meter.load("courts"), meter.load("showbiz")
    assert len(courts) == 770 and len(showbiz) == 175
    assert {a.label for a in showbiz} == set(meter.LABELS)
    assert sum(1 for a in courts + showbiz if not a.sources) <= 1  # one courts article has no PA folder
    assert any(art.sources for art in showbiz[:40])
    for art in showbiz[:40]:
        for _, src in art.sources:
            assert "Page 1 (" not in src and "-----" not in src and "<\n" not in src and not src.endswith("end")


@needs_wiki
def test_wikipedia_rewrite_loader_splits_by_task():
    import wikipedia_rewrite as wr

    answers = wr.load()
    assert len(answers) == 95
    tune = [a for a in answers if a.task in wr.TUNE_TASKS]
    assert len(tune) == 57 and all(a.source for a in answers)
    assert {a.label for a in answers} == set(wr.LABELS)


def test_run_py_with_no_data_skips_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("COPYTRACE_DATA", str(tmp_path / "no-data-here"))
    import run

    out = tmp_path / "results.json"
    assert run.main(["--quick", "--out", str(out), "--only", "meter,wikipedia_rewrite,speed"]) == 0
    results = json.loads(out.read_text())
    assert {"commit", "machine", "date"} <= results.keys()
    assert results["machine"]["cores"] >= 1
    for bench in (results["quality"]["meter"], results["quality"]["wikipedia_rewrite"], results["speed"]):
        assert bench["skipped"] is True and bench["reason"]


needs_copytrace = pytest.mark.skipif(common.copytrace_importable() is not None,
                                     reason=str(common.copytrace_importable()))


@needs_meter
@needs_copytrace
def test_meter_benchmark_end_to_end_on_a_few_articles():
    pytest.importorskip("datasketch")
    import meter

    result = meter.run(workers=1, limit=12)
    assert "error" not in result and not result.get("skipped"), result
    for figures in (result, result["peers"]["minhash"]):
        assert 0.0 <= figures["macro_f1"] <= 1.0 and 0.0 <= figures["binary_f1"] <= 1.0
        assert figures["n"] == 12 and figures["tuned"]["cuts"]
    assert result["copytrace_runs"]["tune"]["errors"] == 0


def test_clough2002_cross_validation_learns_a_separating_feature_and_drops_noise():
    import random

    import meter

    rng = random.Random(7)
    centre = {"non": 0.05, "partially": 0.4, "wholly": 0.85}
    gold = [label for label in meter.LABELS for _ in range(20)]
    feats = [{"signal": centre[g] + rng.uniform(-0.05, 0.05), "noise": rng.random()} for g in gold]
    result = meter.cross_validate(feats, gold, ["noise", "signal"], k=10)
    assert result["macro_f1"] == 1.0 and result["folds"] == 10
    assert all(chosen == ["signal"] for chosen in result["features_chosen_per_fold"])
    # every item is predicted once, out of fold, and each fold holds each class in proportion
    assert sum(sum(row.values()) for row in result["confusion"].values()) == 60
    folds = meter.stratified_folds(gold, 10)
    assert all(sum(1 for f, g in zip(folds, gold) if f == k and g == "wholly") == 2 for k in range(10))
    shuffled = gold[:]
    rng.shuffle(shuffled)  # labels unrelated to either feature: no better than chance
    assert meter.cross_validate(feats, shuffled, ["noise", "signal"], k=10)["macro_f1"] < 0.6


@needs_meter
@needs_copytrace
def test_meter_clough2002_protocol_on_a_few_articles():
    pytest.importorskip("datasketch")
    import meter

    result = meter.run_clough2002(workers=1, limit=2, folds=2)  # 2 articles per label and domain
    assert "error" not in result and not result.get("skipped"), result
    assert result["n"] == 12 and result["n_by_label"] == {"non": 4, "partially": 4, "wholly": 4}
    for figures in (result, result["peers"]["minhash"]):
        assert 0.0 <= figures["macro_f1"] <= 1.0 and figures["folds"] == 2
    assert result["differences_from_paper"] and result["copytrace_run"]["errors"] == 0
    assert result["naive_bayes_courts_to_showbiz"]["n"] == 6
    assert result["split_protocol_same_features"]["tuned"]["cuts"]


@needs_wiki
@needs_copytrace
def test_wikipedia_rewrite_benchmark_end_to_end():
    pytest.importorskip("datasketch")
    import wikipedia_rewrite as wr

    result = wr.run(workers=1)
    assert "error" not in result and not result.get("skipped"), result
    assert result["n"] == 38 and 0.0 <= result["binary_accuracy"] <= 1.0
    assert result["peers"]["minhash"]["n"] == 38
