"""Wikipedia rewrite (Clough and Stevenson 2011): 95 short answers, each written
from its task's Wikipedia source by cut-and-paste (`cut`), light revision
(`light`), heavy revision (`heavy`), or independently (`non`).

Each answer is compared with ``orig_task<t>.txt``; the answer's coverage
(derived side, ``coverage_b``) and the pair's score are candidate features;
three cuts on one feature map it to non / heavy / light / cut. Feature and cuts
are tuned for 4-class macro-F1 on tasks a-c and reported on tasks d-e, with
binary accuracy (copied = cut, light or heavy; not copied = non).
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import peers  # noqa: E402

LABELS = ("non", "heavy", "light", "cut")  # ordinal: least to most copied
TUNE_TASKS, TEST_TASKS = ("a", "b", "c"), ("d", "e")


@dataclass
class Answer:
    id: str
    task: str
    label: str
    text: str
    source_id: str
    source: str


def corpus_dir() -> Path:
    return common.data_root() / "wikipedia-rewrite"


def _normalise(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def load(root: Path | None = None) -> list[Answer]:
    root = root or corpus_dir()
    sources = {t: _normalise(common.read_text(root / f"orig_task{t}.txt")) for t in "abcde"}
    answers = []
    with open(root / "file_information.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("File") or "").strip()
            label = (row.get("Category") or "").strip()
            task = (row.get("Task") or "").strip()
            if label not in LABELS:
                continue  # the five `orig` rows are the sources themselves
            path = root / name
            if not path.is_file():
                raise FileNotFoundError(f"file_information.csv names a missing file: {path}")
            answers.append(Answer(name, task, label, _normalise(common.read_text(path)), f"orig_task{task}.txt", sources[task]))
    return answers


def evaluate(tune_feats, tune_gold, test_feats, test_gold, feature_names) -> dict:
    return common.evaluate_ordinal(tune_feats, tune_gold, test_feats, test_gold, feature_names, LABELS, "binary_accuracy")


def copytrace_features(answers: list[Answer], layers, workers: int, budget_s: float | None = None) -> tuple[list[dict], dict]:
    jobs = [(a.source_id, a.source, a.id, a.text) for a in answers]
    start = time.perf_counter()
    results = common.compare_many(jobs, layers=layers, workers=workers, budget_s=budget_s)
    feats = []
    for r, a in zip(results, answers):
        is_copy = r["kind"] in common.COPY_KINDS
        feats.append({
            "coverage_copy": r["coverage_b"] if is_copy else 0.0,
            "score_copy": r["score"] if is_copy else 0.0,
            "coverage": r["coverage_b"] if r["kind"] else 0.0,
            "verbatim_weighted": common.verbatim_weighted_share(a.text, r.get("spans_b", []), r.get("scores_b", [])),
            "kind": r["kind"],
        })
    info = common.summarise_errors(results)
    info["seconds"] = round(time.perf_counter() - start, 1)
    return feats, info


def minhash_features(answers: list[Answer]) -> list[dict]:
    feats = []
    for a in answers:
        j, _, c_answer = peers.minhash_similarity(a.source, a.text)
        feats.append({"containment": c_answer, "jaccard": j})
    return feats


def run(layers=common.ALL_LAYERS, workers: int = 2, budget_s: float | None = None) -> dict:
    root = corpus_dir()
    if not (root / "file_information.csv").is_file():
        return common.skipped(f"Wikipedia rewrite corpus not found under {root}")
    answers = load(root)
    tune = [a for a in answers if a.task in TUNE_TASKS]
    test = [a for a in answers if a.task in TEST_TASKS]
    test_gold = [a.label for a in test]
    out: dict = {
        "split": {"tune": "tasks " + ",".join(TUNE_TASKS), "test": "tasks " + ",".join(TEST_TASKS),
                  "n_tune": len(tune), "n_test": len(test)},
        "peers": {},
    }
    test_f = common.score_two_splits(
        out, tune, test, evaluate, (minhash_features, ["containment", "jaccard"]),
        (copytrace_features, ["coverage_copy", "score_copy", "coverage", "verbatim_weighted"]), layers, workers, budget_s,
    )
    if test_f is None:
        return out
    kinds: dict[str, dict[str, int]] = {g: {} for g in LABELS}
    for f, g in zip(test_f, test_gold):
        k = f["kind"] or "(no pair)"
        kinds[g][k] = kinds[g].get(k, 0) + 1
    out["test_kinds_by_gold"] = kinds
    return out


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="all")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    layers = common.ALL_LAYERS if args.layers == "all" else tuple(args.layers.split(","))
    print(json.dumps(run(layers, args.workers), indent=2))
