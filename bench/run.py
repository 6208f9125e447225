"""Run every copytrace benchmark whose data is present and write one JSON file.

    python bench/run.py [--quick] --out results.json [--only meter,speed,...]

A benchmark whose data (or copytrace itself) is missing is recorded as
``{"skipped": true, "reason": ...}``; one that fails is recorded with its
traceback under ``error``; neither stops the others. The file is rewritten
after each benchmark, so an interrupted run still leaves what it measured.
See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BENCHMARKS = ("meter", "wikipedia_rewrite", "synthetic", "speed")

# --quick must finish within 10 minutes on a 2-core machine however slow copytrace is:
# every copytrace run is capped. METER and Wikipedia get quality_budget_s each for
# copytrace (their peers take ~15 s), the synthetic scan synthetic_timeout_s, and the
# speed contenders share what is left before quick_deadline_s (each capped at
# speed_timeout_s): at worst ~15 + 120 + 10 + 15 + 60 s before speed, then speed
# ends by 570 s.
QUICK = {"speed_docs": 20_000, "speed_timeout_s": 240.0, "synthetic_scale": 0.5, "synthetic_timeout_s": 60.0,
         "quality_budget_s": 120.0, "quick_deadline_s": 570.0, "speed_rounds": 1}
# the full run's speed contenders run twice, in mirrored order (speed.run): ~25 minutes in all here
FULL = {"speed_docs": 200_000, "speed_timeout_s": 3600.0, "synthetic_scale": 1.0, "synthetic_timeout_s": 3600.0,
        "quality_budget_s": None, "quick_deadline_s": None, "speed_rounds": 2}
SYNTHETIC_PEER_THRESHOLD = 0.5


def run_synthetic(scale: float, timeout_s: float, layers_arg: str = "all") -> dict:
    """Build the synthetic disguise suite's test split, scan it with copytrace
    and with the datasketch peer, and score both with the suite's evaluate()."""
    try:
        import synthetic  # bench/synthetic.py, written alongside this harness
    except Exception as exc:  # noqa: BLE001 - absent or broken: skip, never crash
        return common.skipped(f"bench/synthetic.py not importable: {type(exc).__name__}: {exc}")
    import peers
    import speed

    if not speed.news_zip().is_file():
        return common.skipped(f"news articles (the suite's source) not found at {speed.news_zip()}")
    work = Path(tempfile.mkdtemp(prefix="ct-synthetic-"))
    try:
        return _synthetic_in(work, synthetic, peers, scale, timeout_s, layers_arg)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _synthetic_in(work: Path, synthetic, peers, scale: float, timeout_s: float, layers_arg: str) -> dict:
    out: dict = {"split": "test", "seed": 13, "scale": scale, "peers": {}}
    start = time.perf_counter()
    files = synthetic.build("test", work / "suite", seed=13, scale=scale)
    out["build_s"] = round(time.perf_counter() - start, 1)
    out["counts"] = _jsonable(getattr(files, "counts", None))
    corpus, truth = Path(files.corpus), Path(files.truth)

    docs = [(str(r.get("id")), r.get("text") or "") for r in common.read_jsonl(corpus)]
    start = time.perf_counter()
    mh_pairs = peers.minhash_pairs(docs, threshold=SYNTHETIC_PEER_THRESHOLD)
    mh = {"by_kind": _jsonable(synthetic.evaluate([(a, b, "near_duplicate") for a, b, _ in mh_pairs], truth)),
          "threshold": SYNTHETIC_PEER_THRESHOLD, "num_perm": 128, "ngram": 5,
          "seconds": round(time.perf_counter() - start, 1), "pairs_reported": len(mh_pairs)}
    out["peers"]["minhash"] = mh

    reason = common.copytrace_importable()
    if reason:
        out.update(common.skipped(reason))
        return out
    scan_dir = work / "scan"
    cmd = [*common.copytrace_cli(), "scan", str(corpus), "--out", str(scan_dir), "--layers", layers_arg, "--quiet"]
    m = common.run_measured(cmd, timeout_s)
    out["scan"] = {"wall_s": round(m.wall_s, 1), "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb, "exit_code": m.returncode,
                   "docs": len(docs), "layers": layers_arg}
    if m.timed_out:
        out.update(common.skipped(f"copytrace scan timed out after {timeout_s:.0f} s"))
        return out
    pairs_path = scan_dir / "pairs.jsonl"
    if m.returncode not in (0, 1) or not pairs_path.exists():
        out["error"] = f"copytrace scan exit {m.returncode}: {(m.stderr or m.stdout)[-1500:]}"
        return out
    reported = [(str(r["a"]), str(r["b"]), r["kind"]) for r in common.read_jsonl(pairs_path)]
    out["by_kind"] = _jsonable(synthetic.evaluate(reported, truth))
    return out


def _jsonable(value):
    """evaluate()/counts may return dataclasses or tuples: make them JSON."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def write_atomic(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run the copytrace benchmarks and write one JSON file.")
    ap.add_argument("--quick", action="store_true", help="the 10-minute version (20k-document speed corpus, capped runs)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    ap.add_argument("--speed-docs", type=int, help="override the speed corpus size")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                    help="processes for compare_texts in METER / Wikipedia rewrite")
    ap.add_argument("--layers", default="all", help="copytrace layers for the quality benchmarks: all, or e.g. lexical,spin")
    args = ap.parse_args(argv)

    settings = dict(QUICK if args.quick else FULL)
    if args.speed_docs:
        settings["speed_docs"] = args.speed_docs
    layers = common.ALL_LAYERS if args.layers == "all" else tuple(args.layers.split(","))
    wanted = [b for b in args.only.split(",") if b]
    unknown = set(wanted) - set(BENCHMARKS)
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    commit = common.git_commit()
    results: dict = {
        "commit": commit["sha"],
        "commit_dirty": commit["dirty"],
        "machine": common.machine(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
        "layers": list(layers),
        "versions": common.versions("copytrace", "datasketch", "rensa", "numpy"),
        "data_root": str(common.data_root()),
        "quality": {},
        "speed": {},
        "seconds": {},
    }
    copytrace_reason = common.copytrace_importable()
    if copytrace_reason:
        results["copytrace_unavailable"] = copytrace_reason

    def record(name: str, fn) -> None:
        start = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            value = fn()
        except Exception:  # noqa: BLE001 - one failing benchmark never stops the others
            value = {"error": traceback.format_exc(limit=8)}
        results["seconds"][name] = round(time.perf_counter() - start, 1)
        if name == "speed":
            results["speed"] = value
        else:
            results["quality"][name] = value
        write_atomic(args.out, results)
        status = value.get("reason") or ("error" if "error" in value else "done")
        print(f"[bench] {name}: {status} in {results['seconds'][name]} s", file=sys.stderr, flush=True)

    total = time.perf_counter()
    for name in wanted:
        if name == "meter":
            import meter

            record("meter", lambda: meter.run(layers, args.workers, budget_s=settings["quality_budget_s"]))
        elif name == "wikipedia_rewrite":
            import wikipedia_rewrite

            record("wikipedia_rewrite", lambda: wikipedia_rewrite.run(layers, args.workers, budget_s=settings["quality_budget_s"]))
        elif name == "synthetic":
            layers_arg = "all" if args.layers == "all" else args.layers
            record("synthetic", lambda: run_synthetic(settings["synthetic_scale"], settings["synthetic_timeout_s"], layers_arg))
        elif name == "speed":
            import speed

            deadline = None if settings["quick_deadline_s"] is None else total + settings["quick_deadline_s"]
            record("speed", lambda: speed.run(settings["speed_docs"], timeout_s=settings["speed_timeout_s"], deadline=deadline,
                                              rounds=settings["speed_rounds"]))
    results["seconds"]["total"] = round(time.perf_counter() - total, 1)
    write_atomic(args.out, results)
    print(f"[bench] wrote {args.out} in {results['seconds']['total']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
