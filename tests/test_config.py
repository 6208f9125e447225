"""Thresholds live in config.py and travel with ScanConfig: a value passed in changes the answer, in this process,
in forked workers and on the command line."""
import json

import pytest

from conftest import ROOT, pair_kinds, run_cli
from copytrace import Kind, ScanConfig, Thresholds, compare_texts, read_inputs, scan_documents
from copytrace.config import DEFAULTS, EngineConfig

NEWS = ROOT / "examples" / "news"
STRICT = {"classify": {"near_duplicate_min_coverage": 1.01}}  # nothing is a near-duplicate any more


def _repost_kind(config: ScanConfig) -> Kind:
    result = scan_documents(read_inputs([str(NEWS)]), config)
    kinds = {frozenset((p.a, p.b)): p.kind for p in result.pairs}
    assert kinds, "the news example has related pairs"
    return kinds[frozenset(("repost.html", "story.txt"))]


def test_a_threshold_passed_in_changes_the_verdict():
    assert _repost_kind(ScanConfig(workers=1)) is Kind.NEAR_DUPLICATE
    assert _repost_kind(ScanConfig(workers=1, thresholds=DEFAULTS.with_values(STRICT))) is Kind.PARTIAL


def test_thresholds_reach_forked_workers():
    """The align stage runs in a fork pool here (pool_min_docs 0): its workers must see the scan's values."""
    pooled = ScanConfig(workers=2, sizes=EngineConfig(pool_min_docs=0), thresholds=DEFAULTS.with_values(STRICT))
    assert _repost_kind(pooled) is Kind.PARTIAL


def test_compare_texts_takes_thresholds():
    story = (NEWS / "story.txt").read_text(encoding="utf-8")
    edited = story.replace("diplomats", "envoys", 1)
    assert compare_texts(story, edited).kind is Kind.NEAR_DUPLICATE
    strict = ScanConfig(thresholds=DEFAULTS.with_values(STRICT))
    assert compare_texts(story, edited, config=strict).kind is Kind.PARTIAL


def test_thresholds_file_on_the_command_line(tmp_path):
    values = tmp_path / "thresholds.json"
    values.write_text(json.dumps(STRICT))
    code, _, err = run_cli("scan", NEWS, "--out", tmp_path / "out", "-q", "--thresholds", values)
    assert code == 0, err
    assert pair_kinds(tmp_path / "out")[frozenset(("repost.html", "story.txt"))] == "partial"


@pytest.mark.parametrize("values, named", [
    ({"classify": {"nope": 1}}, "classify.nope"),
    ({"nowhere": {}}, "nowhere"),
    ({"align": {"seed_words": 2.5}}, "align.seed_words"),
])
def test_a_bad_thresholds_file_is_bad_usage_naming_the_value(tmp_path, values, named):
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps(values))
    code, _, err = run_cli("scan", NEWS, "--out", tmp_path / "out", "-q", "--thresholds", path)
    assert code == 2
    assert named in " ".join(err.split())
    assert not (tmp_path / "out").exists()


def test_every_threshold_round_trips_through_json():
    values = DEFAULTS.to_json()
    assert Thresholds().with_values(values) == DEFAULTS
    assert values["classify"]["min_copy_words"] == DEFAULTS.classify.min_copy_words
