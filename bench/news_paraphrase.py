"""Paraphrase precision on real news: how many of copytrace's own `paraphrase` verdicts on the 3,824 real articles
(shared/data/news) are right, read and labelled by hand.

`bench/data/news_paraphrase.tsv` holds every pair a scan of the articles (every layer, at 2a34c56) called
`paraphrase`, each labelled after reading both texts, with a one-line reason:

- ``paraphrase``: the two tell the same news in other words (an abridged or expanded rewrite of one report, two
  rewrites of one wire report); dropping one loses nothing;
- ``partial``: they share passages (reworded or not) but each has news of its own: a later story reusing an
  earlier one's background, two stories sharing background paragraphs, a digest holding a condensed story;
- ``same_story``: two reports of one event, sharing quotes or loosely matched facts;
- ``unrelated``: they share only furniture (a footer, a promotion).

A ``paraphrase`` verdict is right on a ``paraphrase`` pair, and on a ``partial`` pair only when it is a disguised
copy of passages (its coverage partial: classify.is_partial_copy, what `dedup` keeps as a partial copy). Precision is
right verdicts over `paraphrase` verdicts on labelled pairs; `unlabelled` counts `paraphrase` verdicts on pairs not in
the file (a change that makes new ones needs them read and labelled). Halves: the pair's split is its lower article
id's (synthetic.split_of); tune on `tune`, report `test`.

CLI: ``python bench/news_paraphrase.py`` scans the articles (or ``--pairs SCAN/pairs.jsonl`` scores a finished scan);
skips when the articles are absent.
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import synthetic  # noqa: E402

LABELS_TSV = common.BENCH_DIR / "data" / "news_paraphrase.tsv"
#: what a verdict of coverage_a, coverage_b must stay under on both sides to be a copy of passages
#: (ClassifyConfig.min_sentence_coverage, read from the package when it imports)
PARTIAL_COVERAGE = 0.5


def load_labels(path: Path = LABELS_TSV) -> dict[frozenset, dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {frozenset((r["a"], r["b"])): r for r in csv.DictReader(fh, delimiter="\t")}


def partial_coverage() -> float:
    try:
        from copytrace.config import DEFAULTS
        return DEFAULTS.classify.min_sentence_coverage
    except ImportError:
        return PARTIAL_COVERAGE


def score(pairs: list[dict], labels: dict[frozenset, dict]) -> dict:
    """Precision of the `paraphrase` verdicts among `pairs` (rows of a scan's pairs.jsonl), per half."""
    cut = partial_coverage()
    out = {}
    for half in synthetic.SPLITS:
        judged, right, unlabelled = Counter(), 0, 0
        verdicts = Counter()
        for row in pairs:
            key = frozenset((row["a"], row["b"]))
            label = labels.get(key)
            if label is None:
                if row["kind"] == "paraphrase" and _half(row["a"], row["b"]) == half:
                    unlabelled += 1
                continue
            if label["split"] != half:
                continue
            verdicts[row["kind"]] += 1
            if row["kind"] != "paraphrase":
                continue
            passages = max(row["coverage_a"], row["coverage_b"]) < cut
            ok = label["label"] == "paraphrase" or (label["label"] == "partial" and passages)
            judged[label["label"]] += 1
            right += ok
        n = sum(judged.values())
        labelled = [r for r in labels.values() if r["split"] == half]
        missed = sum(r["label"] == "paraphrase" and _kind(pairs, r) != "paraphrase" for r in labelled)
        out[half] = {
            "precision": round(right / n, 4) if n else 0.0, "paraphrase_verdicts": n, "right": right,
            "verdicts_by_label": dict(judged), "unlabelled_paraphrase_verdicts": unlabelled,
            "labelled_pairs": len(labelled), "true_paraphrases_not_called_paraphrase": missed,
            "labelled_pairs_by_verdict": dict(verdicts),
        }
    return out


def _half(a: str, b: str) -> str:
    ids = [x.removeprefix("news-") for x in (a, b)]
    return synthetic.split_of(str(min(int(x) for x in ids))) if all(x.isdigit() for x in ids) else ""


def _kind(pairs: list[dict], label: dict) -> str | None:
    key = frozenset((label["a"], label["b"]))
    return next((r["kind"] for r in pairs if frozenset((r["a"], r["b"])) == key), None)


def scan_news(out_dir: Path) -> Path:
    """Scan the real articles with every layer; the path of its pairs.jsonl."""
    corpus = out_dir / "news.jsonl"
    with open(corpus, "w", encoding="utf-8") as fh:
        for a in synthetic.load_articles():
            fh.write(json.dumps({"id": a.doc_id, "text": a.text, **({"date": a.date} if a.date else {})}) + "\n")
    subprocess.run([*common.copytrace_cli(), "scan", str(corpus), "--out", str(out_dir / "scan"), "-q"],
                   check=False, capture_output=True)
    return out_dir / "scan" / "pairs.jsonl"


def run(pairs_path: Path | None = None) -> dict:
    if not synthetic.DEFAULT_NEWS_ZIP.exists():
        return common.skipped(f"news data not found: {synthetic.DEFAULT_NEWS_ZIP}")
    labels = load_labels()
    if pairs_path is None:
        with tempfile.TemporaryDirectory() as tmp:
            pairs_path = scan_news(Path(tmp))
            pairs = list(common.read_jsonl(pairs_path))
    else:
        pairs = list(common.read_jsonl(pairs_path))
    return {"goal": "test precision >= 0.95", **score(pairs, labels)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=Path, help="score a finished scan's pairs.jsonl instead of scanning")
    ap.add_argument("--out", type=Path, help="write the result as JSON here")
    args = ap.parse_args(argv)
    common.report(run(args.pairs), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
