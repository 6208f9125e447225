"""Compare two commits: is their ``scan`` output byte-identical, and is their speed the same?

    python bench/commits.py BASE HEAD [--suites examples,tune,test,speed20k] [--timing ROUNDS]
                                      [--work DIR] [--out summary.json]

A restructure must leave what ``copytrace scan`` writes unchanged and its speed within
noise. Each commit is checked out with ``git worktree add --detach`` under the work folder
(from the repository this script lives in), its C extension is built in place, and its CLI
runs as ``PYTHONPATH=<worktree>/src python -m copytrace scan ... -q``, so neither the
installed copytrace nor this checkout's code is measured.

The inputs come from this script's own checkout and are built once, so both commits scan
the same bytes from the same paths:

``examples``  ``examples/news`` and ``examples/disguised``, each scanned on its own.
``tune``, ``test``  the synthetic disguise suite's split (``bench/synthetic.py``, seed 13,
              ``--synthetic-scale``, 1.0 as in the full run), ``corpus.jsonl`` scanned as
              ``run.py`` scans it (``--layers all``; run.py passes no ``--date-field``).
``speed20k``  ``bench/speed.py --docs 20000 --build-only``, scanned as speed.py scans it:
              ``--layers lexical`` and ``--layers all``.

documents.jsonl, pairs.jsonl and clusters.jsonl are compared byte for byte. "differing
lines" counts the lines one side has that the other lacks (as multisets, so a moved line
is not counted; a file whose lines differ only in order is not identical, and says so).
Exit 0 when every scanned file is identical, 1 otherwise; a suite whose data is missing
is reported as skipped and does not fail the run.

``--timing ROUNDS`` times both scans of speed20k for both commits in mirrored rounds
(BASE HEAD, then HEAD BASE, ...; every run its own subprocess, measured by
``common.run_measured``), because the shared machine's speed drifts during a run and
whatever runs last in a fixed order pays for it. The comparison's own speed20k runs (BASE
then HEAD, measured the same way) are the first round, so ``--timing 1`` costs nothing
more and ``--timing 3`` adds two.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from speed import news_zip  # noqa: E402

SUITES = ("examples", "tune", "test", "speed20k")
RESULT_FILES = ("documents.jsonl", "pairs.jsonl", "clusters.jsonl")
SPEED_DOCS = 20_000
SYNTHETIC_SEED = 13  # run.py's seed for the synthetic suite
SHOWN_DIFFS = 5  # differing pair lines printed per side
# A scan that runs past this is stuck, not slow: the 20k full scan takes ~2 minutes on 2 cores.
SCAN_TIMEOUT_S = 3600.0


@dataclass
class Scan:
    """One scan both commits run: a name for the table, its inputs, its flags."""
    name: str
    inputs: list[Path]
    flags: list[str]


@dataclass
class Checkout:
    label: str  # "base" or "head"
    ref: str
    sha: str
    path: Path
    build_s: float = 0.0

    def env(self) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.path / "src")
        return env

    def scan_cmd(self, scan: Scan, out: Path) -> list[str]:
        return [sys.executable, "-m", "copytrace", "scan", *map(str, scan.inputs), "--out", str(out), *scan.flags, "-q"]


@dataclass
class FileComparison:
    identical: bool
    lines_base: int
    lines_head: int
    differing_lines: int  # lines only one side has, counted as multisets
    same_lines_other_order: bool = False
    only_base: list[str] = field(default_factory=list)  # the first few, for pairs.jsonl
    only_head: list[str] = field(default_factory=list)


def git(*args: str, cwd: Path = common.REPO_ROOT) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout.strip()


# ---------------------------------------------------------------- checkouts


def add_checkout(label: str, ref: str, work: Path) -> Checkout:
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    path = Path(tempfile.mkdtemp(prefix=f"checkout-{label}-", dir=work))  # git adds into an empty folder
    checkout = Checkout(label, ref, sha, path)
    try:
        git("worktree", "add", "--detach", str(path), sha)
    except BaseException:
        remove_checkouts([checkout])  # a worktree left half made is still registered
        raise
    return checkout


def build_checkout(checkout: Checkout) -> None:
    """Build the C extension in place, then make sure PYTHONPATH really picks this checkout."""
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-q"], cwd=checkout.path,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building {checkout.ref} failed:\n{(r.stderr or r.stdout)[-2000:]}")
    checkout.build_s = round(time.perf_counter() - start, 1)
    probe = "import copytrace, copytrace._native; print(copytrace.__file__)"
    r = subprocess.run([sys.executable, "-c", probe], env=checkout.env(), capture_output=True, text=True)
    found = Path(r.stdout.strip() or "?").resolve()
    if r.returncode != 0 or not found.is_relative_to(checkout.path.resolve()):
        raise RuntimeError(f"{checkout.ref}: copytrace resolves to {found}, not to its worktree: {r.stderr[-500:]}")


def remove_checkouts(checkouts: list[Checkout]) -> None:
    for c in checkouts:
        r = subprocess.run(["git", "worktree", "remove", "--force", str(c.path)], cwd=common.REPO_ROOT,
                           capture_output=True, text=True)
        if r.returncode != 0 and c.path.exists():
            print(f"[commits] could not remove worktree {c.path}: {r.stderr.strip()}", file=sys.stderr)
    subprocess.run(["git", "worktree", "prune"], cwd=common.REPO_ROOT, capture_output=True)


# ---------------------------------------------------------------- suites


def prepare(suite: str, data: Path, synthetic_scale: float) -> list[Scan] | str:
    """The scans of one suite, its corpus built under ``data`` once; or why it is skipped."""
    bench = Path(__file__).resolve().parent
    if suite == "examples":
        folders = [common.REPO_ROOT / "examples" / name for name in ("news", "disguised")]
        missing = [str(f) for f in folders if not f.is_dir()]
        if missing:
            return f"examples not found: {', '.join(missing)}"
        return [Scan(f"examples/{f.name}", [f], ["--layers", "all"]) for f in folders]
    if not news_zip().is_file():
        return f"news articles not found at {news_zip()}"
    out = data / suite
    if suite in ("tune", "test"):
        cmd = [sys.executable, str(bench / "synthetic.py"), "--split", suite, "--out", str(out),
               "--seed", str(SYNTHETIC_SEED), "--scale", str(synthetic_scale)]
    else:
        cmd = [sys.executable, str(bench / "speed.py"), "--docs", str(SPEED_DOCS), "--build-only", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building the {suite} corpus failed:\n{(r.stderr or r.stdout)[-2000:]}")
    corpus = out / "corpus.jsonl"
    if suite in ("tune", "test"):
        return [Scan(suite, [corpus], ["--layers", "all"])]
    return [Scan("speed20k lexical", [corpus], ["--layers", "lexical"]), Scan("speed20k", [corpus], ["--layers", "all"])]


# ---------------------------------------------------------------- comparing


def _pair_line(line: str) -> str:
    try:
        p = json.loads(line)
        return f"{p.get('a')}  {p.get('b')}  {p.get('kind')}  {p.get('score')}"
    except (ValueError, AttributeError):
        return line[:160]


def compare_file(base: Path, head: Path, name: str) -> FileComparison:
    if not base.is_file() or not head.is_file():
        return FileComparison(False, _lines(base), _lines(head), -1)
    a, b = base.read_bytes(), head.read_bytes()
    lines_a, lines_b = a.splitlines(), b.splitlines()
    if a == b:
        return FileComparison(True, len(lines_a), len(lines_b), 0)
    count_a, count_b = Counter(lines_a), Counter(lines_b)
    only_a, only_b = count_a - count_b, count_b - count_a
    differing = sum(only_a.values()) + sum(only_b.values())
    shown_a = [l.decode("utf-8", "replace") for l in lines_a if l in only_a][:SHOWN_DIFFS]
    shown_b = [l.decode("utf-8", "replace") for l in lines_b if l in only_b][:SHOWN_DIFFS]
    if name == "pairs.jsonl":
        shown_a, shown_b = [_pair_line(l) for l in shown_a], [_pair_line(l) for l in shown_b]
    else:
        shown_a, shown_b = [l[:160] for l in shown_a], [l[:160] for l in shown_b]
    return FileComparison(False, len(lines_a), len(lines_b), differing, differing == 0, shown_a, shown_b)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.is_file() else -1


def run_scan(checkout: Checkout, scan: Scan, out: Path, cwd: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)  # a failed scan must not leave an earlier run's files to compare
    m = common.run_measured(checkout.scan_cmd(scan, out), SCAN_TIMEOUT_S, env=checkout.env(), cwd=cwd)
    result = {"wall_s": round(m.wall_s, 1), "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb, "exit_code": m.returncode}
    # exit 1 is "done, with skipped inputs": still a result to compare
    if m.timed_out or m.returncode not in (0, 1):
        result["error"] = "timed out" if m.timed_out else (m.stderr or m.stdout)[-1500:]
    return result


def compare_scan(scan: Scan, base: Checkout, head: Checkout, work: Path) -> dict:
    outs = {c.label: work / "out" / scan.name.replace("/", "-").replace(" ", "-") / c.label for c in (base, head)}
    runs = {c.label: run_scan(c, scan, outs[c.label], work) for c in (base, head)}
    files = {name: compare_file(outs["base"] / name, outs["head"] / name, name) for name in RESULT_FILES}
    identical = all(f.identical for f in files.values()) and runs["base"]["exit_code"] == runs["head"]["exit_code"]
    return {"scan": scan.name, "inputs": [str(p) for p in scan.inputs], "flags": scan.flags, "identical": identical,
            "base": runs["base"], "head": runs["head"], "files": {k: asdict(v) for k, v in files.items()}}


# ---------------------------------------------------------------- timing


def time_rounds(scans: list[Scan], base: Checkout, head: Checkout, rounds: int, work: Path, compared: list[dict]) -> dict:
    """Every scan of every commit once per round; odd rounds run the sequence backwards.
    The comparison's own runs (each scan at base, then at head) are the first round."""
    sequence = [(scan, c) for scan in scans for c in (base, head)]
    detail: dict[str, dict[str, list[dict]]] = {s["scan"]: {"base": [s["base"]], "head": [s["head"]]} for s in compared}
    walls = {name: {label: [d["wall_s"] for d in runs] for label, runs in by_commit.items()}
             for name, by_commit in detail.items()}
    for r in range(1, rounds):
        for scan, c in (sequence if r % 2 == 0 else sequence[::-1]):
            out = work / "timing-out"
            print(f"[commits] timing round {r + 1}/{rounds}: {scan.name} at {c.label}", file=sys.stderr, flush=True)
            result = run_scan(c, scan, out, work)
            if "error" in result:
                raise RuntimeError(f"timing {scan.name} at {c.ref}: {result['error']}")
            walls[scan.name][c.label].append(result["wall_s"])
            detail[scan.name][c.label].append(result)
    shutil.rmtree(work / "timing-out", ignore_errors=True)
    summary = {}
    for name, by_commit in walls.items():
        stats = {label: {"min_s": min(w), "median_s": round(statistics.median(w), 1), "walls_s": w,
                         "peak_rss_mb": max(d["peak_rss_mb"] for d in detail[name][label]),
                         "cpu_s": [d["cpu_s"] for d in detail[name][label]]}
                 for label, w in by_commit.items()}
        stats["head_over_base_min"] = round(stats["head"]["min_s"] / stats["base"]["min_s"], 3)
        stats["head_over_base_median"] = round(stats["head"]["median_s"] / stats["base"]["median_s"], 3)
        summary[name] = stats
    return summary


# ---------------------------------------------------------------- printing


def print_table(results: dict) -> None:
    rows = [("suite", "file", "identical", "lines base", "lines head", "differing", "wall base s", "wall head s")]
    for suite, value in results["suites"].items():
        if "skipped" in value:
            rows.append((suite, "-", "skipped", "", "", "", "", value["reason"]))
            continue
        for scan in value["scans"]:
            for name, f in scan["files"].items():
                rows.append((scan["scan"], name, "yes" if f["identical"] else "no", str(f["lines_base"]),
                             str(f["lines_head"]), str(f["differing_lines"]) + (" (order)" if f["same_lines_other_order"] else ""),
                             str(scan["base"]["wall_s"]), str(scan["head"]["wall_s"])))
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1])
    for suite, value in results["suites"].items():
        for scan in value.get("scans", []):
            for side in ("base", "head"):
                if "error" in scan[side]:
                    print(f"\n{scan['scan']} at {side} failed (exit {scan[side]['exit_code']}):\n{scan[side]['error']}")
            if scan["base"]["exit_code"] != scan["head"]["exit_code"]:
                print(f"\n{scan['scan']}: exit {scan['base']['exit_code']} at base, {scan['head']['exit_code']} at head")
            f = scan["files"]["pairs.jsonl"]
            if not f["identical"] and (f["only_base"] or f["only_head"]):
                print(f"\n{scan['scan']} pairs.jsonl, first differing lines (a  b  kind  score):")
                print("\n".join([f"  - {l}" for l in f["only_base"]] + [f"  + {l}" for l in f["only_head"]]))


def print_timing(timing: dict) -> None:
    print("\nscan                 commit  min s   median s  peak MB  rounds (s)")
    for name, stats in timing.items():
        for label in ("base", "head"):
            s = stats[label]
            print(f"{name:20s} {label:6s}  {s['min_s']:<6}  {s['median_s']:<8}  {s['peak_rss_mb']:<7}  {s['walls_s']}")
        print(f"{name:20s} head/base: {stats['head_over_base_min']} (min), {stats['head_over_base_median']} (median)")


# ---------------------------------------------------------------- main


def _terminate(signum, frame):  # noqa: ARG001
    raise SystemExit(128 + signum)  # so the finally below removes the worktrees


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Compare two commits' scan outputs byte for byte, and their speed.")
    ap.add_argument("base", help="the commit before the change (any git revision)")
    ap.add_argument("head", help="the commit after it")
    ap.add_argument("--suites", default=",".join(SUITES), help=f"comma-separated subset of {','.join(SUITES)}")
    ap.add_argument("--timing", type=int, default=0, metavar="ROUNDS",
                    help="time the speed20k scans of both commits in this many mirrored rounds (the comparison is round 1)")
    ap.add_argument("--work", type=Path, help="folder for worktrees, corpora and outputs (kept; default: a temporary one)")
    ap.add_argument("--out", type=Path, help="write a JSON summary here")
    ap.add_argument("--synthetic-scale", type=float, default=1.0, help="scale of the tune/test suites (run.py --quick: 0.5)")
    args = ap.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    unknown = set(suites) - set(SUITES)
    if unknown:
        ap.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    if args.timing and "speed20k" not in suites:
        suites.append("speed20k")  # timing runs on speed20k; its outputs are compared too, at no extra cost

    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="ct-commits-"))
    work.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _terminate)
    checkouts: list[Checkout] = []
    results: dict = {"machine": common.machine(), "work": str(work), "suites": {}, "seconds": {}}
    try:
        for label, ref in (("base", args.base), ("head", args.head)):
            checkouts.append(add_checkout(label, ref, work))
        base, head = checkouts
        for c in checkouts:
            build_checkout(c)
            results[c.label] = {"ref": c.ref, "sha": c.sha, "build_s": c.build_s}
        print(f"[commits] base {base.ref} = {base.sha[:10]}, head {head.ref} = {head.sha[:10]}", file=sys.stderr)
        scans_by_suite: dict[str, list[Scan]] = {}
        for suite in suites:
            start = time.perf_counter()
            print(f"[commits] {suite} ...", file=sys.stderr, flush=True)
            prepared = prepare(suite, work / "data", args.synthetic_scale)
            prepare_s = round(time.perf_counter() - start, 1)
            if isinstance(prepared, str):
                results["suites"][suite] = common.skipped(prepared)
                print(f"[commits] {suite}: skipped, {prepared}", file=sys.stderr)
                continue
            scans_by_suite[suite] = prepared
            compared = [compare_scan(scan, base, head, work) for scan in prepared]
            results["suites"][suite] = {"prepare_s": prepare_s, "scans": compared}
            results["seconds"][suite] = round(time.perf_counter() - start, 1)
            verdict = "identical" if all(s["identical"] for s in compared) else "DIFFERENT"
            print(f"[commits] {suite}: {verdict} in {results['seconds'][suite]} s "
                  f"(corpus {prepare_s} s)", file=sys.stderr, flush=True)
        speed_failed = any("error" in s[side] for s in results["suites"].get("speed20k", {}).get("scans", [])
                           for side in ("base", "head"))
        if args.timing and speed_failed:
            results["timing"] = common.skipped("a speed20k scan failed (see the table)")
        elif args.timing and "speed20k" in scans_by_suite:
            start = time.perf_counter()
            results["timing"] = time_rounds(scans_by_suite["speed20k"], base, head, args.timing, work,
                                            results["suites"]["speed20k"]["scans"])
            results["seconds"]["timing"] = round(time.perf_counter() - start, 1)
        elif args.timing:
            results["timing"] = common.skipped("speed20k was skipped: " + results["suites"]["speed20k"]["reason"])
    finally:
        remove_checkouts(checkouts)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    compared = [s for v in results["suites"].values() for s in v.get("scans", [])]
    results["identical"] = all(s["identical"] for s in compared)
    print_table(results)
    if "timing" in results and "skipped" not in results["timing"]:
        print_timing(results["timing"])
    verdict = "all identical" if results["identical"] else "OUTPUT DIFFERS"
    print(f"\n{len(compared)} scans compared: {verdict if compared else 'nothing to compare, every suite skipped'}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0 if results["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
