"""The index against one scan: the synthetic test suite added to an index in N increments, in a shuffled order
(so dates do not arrive in order), gives the same pairs, kinds and sources as one scan of the union.

    python bench/index_increments.py [--parts 10] [--split test] [--seed 13] [--out result.json]
                                     [--semantic deep] [--documents N]

Both runs use `--date-field date`. Pairs are compared by their unordered ids: the same pair with the same kind and
the same source counts as identical; every difference is listed (a pair only one side reports, another kind,
another source). Corpus-wide statistics are the expected cause of differences: an index counts furniture lines over
the documents it held when each pair was found, a scan over the whole corpus. `--semantic deep` runs both in deep
semantic mode on the CPU (every sentence embedded: the index probes the sentence vectors its segments keep), and
`--documents N` keeps the first N documents of the shuffled suite (deep mode on a CPU is for small corpora).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def _pairs(path: Path) -> dict[frozenset, tuple[str, str | None]]:
    return {frozenset((r["a"], r["b"])): (r["kind"], r["source"]) for r in common.read_jsonl(path)}


def run(parts: int, split: str, seed: int, work: Path, semantic: str = "auto", documents: int | None = None) -> dict:
    import synthetic

    try:
        files = synthetic.build(split, work / "suite", seed=13)
    except FileNotFoundError as e:
        return common.skipped(f"benchmark data missing: {e}")
    rows = list(common.read_jsonl(Path(files.corpus)))
    random.Random(seed).shuffle(rows)
    rows = rows[:documents]
    mode = [] if semantic == "auto" else ["--semantic", semantic, "--device", "cpu"]
    corpus = work / "shuffled.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli = common.copytrace_cli()
    out: dict = {"split": split, "documents": len(rows), "parts": parts, "seed": seed, "semantic": semantic}
    start = time.perf_counter()
    scan = common.run_measured([*cli, "scan", str(corpus), "--out", str(work / "scan"), "--date-field", "date", "-q", *mode],
                               3600)
    out["scan_s"] = round(time.perf_counter() - start, 1)
    if scan.returncode not in (0, 1):
        out["error"] = f"scan exit {scan.returncode}: {scan.stderr[-800:]}"
        return out
    size = -(-len(rows) // parts)
    add_s = []
    for k in range(parts):
        part = work / f"part{k}.jsonl"
        part.write_text("".join(json.dumps(r) + "\n" for r in rows[k * size:(k + 1) * size]), encoding="utf-8")
        start = time.perf_counter()
        m = common.run_measured([*cli, "index", "add", str(work / "index"), str(part), "--date-field", "date", "-q", *mode],
                                3600)
        add_s.append(round(time.perf_counter() - start, 1))
        if m.returncode not in (0, 1):
            out["error"] = f"index add exit {m.returncode}: {m.stderr[-800:]}"
            return out
    out["add_s"] = add_s
    m = common.run_measured([*cli, "index", "pairs", str(work / "index"), "--out", str(work / "pairs"), "-q"], 3600)
    if m.returncode != 0:
        out["error"] = f"index pairs exit {m.returncode}: {m.stderr[-800:]}"
        return out
    scanned, indexed = _pairs(work / "scan" / "pairs.jsonl"), _pairs(work / "pairs" / "pairs.jsonl")
    keys = set(scanned) | set(indexed)
    differences = []
    for key in sorted(keys, key=sorted):
        if scanned.get(key) != indexed.get(key):
            differences.append({"pair": sorted(key), "scan": scanned.get(key), "index": indexed.get(key)})
    copies = {k for k, (kind, _) in scanned.items() if kind != "same_story"}
    out.update({
        "pairs_scan": len(scanned), "pairs_index": len(indexed), "identical": len(keys) - len(differences),
        "identical_share": round((len(keys) - len(differences)) / max(len(keys), 1), 4),
        "copy_pairs_scan": len(copies),
        "copy_pairs_identical": sum(1 for k in copies if scanned[k] == indexed.get(k)),
        "differences": differences,
    })
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=10)
    ap.add_argument("--split", default="test")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out")
    ap.add_argument("--semantic", default="auto", choices=("auto", "rationed", "deep"))
    ap.add_argument("--documents", type=int)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ct-index-") as tmp:
        result = run(args.parts, args.split, args.seed, Path(tmp), args.semantic, args.documents)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "differences"}
    print(json.dumps(summary, indent=2))
    for d in result.get("differences", [])[:40]:
        print(d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
