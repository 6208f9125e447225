"""Shared pieces of the benchmark harness: where the data lives, how texts are
decoded and tokenised for the peers, the scores, the threshold search, and how a
contender subprocess is timed and its peak memory measured.

Every benchmark module returns a plain dict for results.json; a benchmark whose
data is absent returns ``skipped(reason)`` instead of raising.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


def data_root() -> Path:
    """The shared evaluation data: $COPYTRACE_DATA, else ``<repo>/../shared/data``."""
    env = os.environ.get("COPYTRACE_DATA")
    if env:
        return Path(env).expanduser().resolve()
    return REPO_ROOT.parent / "shared" / "data"


def skipped(reason: str) -> dict:
    return {"skipped": True, "reason": reason}


# ---------------------------------------------------------------- decoding


def read_text(path: Path) -> str:
    """Decode a research-corpus file: UTF-8 if it is valid, else Windows-1252
    (a superset of ISO-8859-1 for the printable range: METER and a few
    Wikipedia-rewrite answers are written that way), else Latin-1."""
    raw = path.read_bytes()
    for encoding in ("utf-8", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("latin-1")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- peers' tokens

WORD_RE = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the way a datasketch user typically splits text."""
    return WORD_RE.findall(text.lower())


def shingles(text: str, ngram: int = 5) -> set[str]:
    """Word n-gram shingles; a text shorter than n words is one shingle of itself
    (so short texts still have a signature)."""
    toks = words(text)
    if not toks:
        return set()
    if len(toks) < ngram:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + ngram]) for i in range(len(toks) - ngram + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


# ---------------------------------------------------------------- scores


def f1_per_class(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    out = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    per = f1_per_class(gold, pred, labels)
    return sum(per.values()) / len(labels)


def binary_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    """F1 of the positive class (derived / copied)."""
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    fp = sum(1 for g, p in zip(gold, pred) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred) if g and not p)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def accuracy(gold: Sequence, pred: Sequence) -> float:
    return sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """confusion[gold][predicted] = count."""
    return {g: {p: sum(1 for x, y in zip(gold, pred) if x == g and y == p) for p in labels} for g in labels}


# ---------------------------------------------------------------- threshold search


def classify_ordinal(score: float, cuts: Sequence[float], labels_low_to_high: Sequence[str]) -> str:
    """labels_low_to_high[k] where k = number of cuts the score reaches."""
    k = sum(1 for c in cuts if score >= c)
    return labels_low_to_high[k]


def tune_ordinal(
    features: dict[str, Sequence[float]],
    gold: Sequence[str],
    labels_low_to_high: Sequence[str],
    max_candidates: int = 100,
) -> dict:
    """Grid search over (feature, increasing cut points) maximising macro-F1 on
    the tuning split. The labels run from "not copied" to "most copied"; an item
    gets label k when its score reaches k of the cuts. Candidate cuts are the
    midpoints between consecutive distinct scores (thinned to max_candidates),
    so the search is exhaustive up to that thinning. Ties go to the first
    feature listed and the lowest cuts."""
    import numpy as np

    n_cuts = len(labels_low_to_high) - 1
    gold_idx = np.array([labels_low_to_high.index(g) for g in gold])
    n_labels = len(labels_low_to_high)
    best: dict | None = None
    for name, values in features.items():
        v = np.asarray(values, dtype=float)
        distinct = np.unique(v)
        mids = (distinct[:-1] + distinct[1:]) / 2 if len(distinct) > 1 else np.array([])
        cand = np.unique(np.concatenate([[0.0], mids, [distinct[-1] + 1e-9]]))
        if len(cand) > max_candidates:
            cand = np.unique(np.quantile(cand, np.linspace(0, 1, max_candidates)))
        reach = v[None, :] >= cand[:, None]  # reach[i, j]: item j reaches cut i
        for head in itertools.combinations(range(len(cand)), n_cuts - 1):
            start_last = (head[-1] + 1) if head else 0
            if start_last >= len(cand):
                continue
            base = sum((reach[i] for i in head), np.zeros(len(v), dtype=int))
            pred = base[None, :] + reach[start_last:]  # one row per choice of the last cut
            f1s = np.zeros(pred.shape[0])
            for k in range(n_labels):
                p_k = pred == k
                g_k = (gold_idx == k)[None, :]
                tp = (p_k & g_k).sum(axis=1)
                denom = p_k.sum(axis=1) + g_k.sum()
                f1s += np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
            f1s /= n_labels
            j = int(np.argmax(f1s))
            if best is None or f1s[j] > best["tuning_macro_f1"] + 1e-12:
                cuts = [float(cand[i]) for i in head] + [float(cand[start_last + j])]
                best = {"feature": name, "cuts": [round(c, 4) for c in cuts], "tuning_macro_f1": round(float(f1s[j]), 4)}
    assert best is not None
    return best


# ---------------------------------------------------------------- environment


def evaluate_ordinal(tune_feats: list[dict], tune_gold: list[str], test_feats: list[dict], test_gold: list[str],
                     feature_names: Sequence[str], labels: Sequence[str], binary_name: str) -> dict:
    """Tune one feature and its cuts on the tuning split, score the test split: macro-F1 over the ordinal labels,
    and a binary figure (`binary_f1` or `binary_accuracy`) for copied (any label but the first) vs not."""
    tuned = tune_ordinal({f: [x[f] for x in tune_feats] for f in feature_names}, tune_gold, labels)
    pred = [classify_ordinal(x[tuned["feature"]], tuned["cuts"], labels) for x in test_feats]
    copied_gold, copied_pred = [g != labels[0] for g in test_gold], [p != labels[0] for p in pred]
    binary = binary_f1(copied_gold, copied_pred) if binary_name == "binary_f1" else accuracy(copied_gold, copied_pred)
    return {
        "macro_f1": round(macro_f1(test_gold, pred, labels), 4),
        binary_name: round(binary, 4),
        "f1_per_class": {k: round(v, 4) for k, v in f1_per_class(test_gold, pred, labels).items()},
        "confusion": confusion(test_gold, pred, labels),
        "n": len(test_gold),
        "tuned": tuned,
    }


def git_commit() -> dict:
    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    sha = git("rev-parse", "HEAD")
    status = git("status", "--porcelain")
    return {"sha": sha or "unknown", "dirty": bool(status) if status is not None else None}


def machine() -> dict:
    mem_gb = None
    try:
        import psutil

        mem_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        try:
            mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        except (ValueError, OSError):
            pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "cores": cores,
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def versions(*modules: str) -> dict:
    from importlib import metadata

    out = {}
    for m in modules:
        try:
            out[m] = metadata.version(m)
        except metadata.PackageNotFoundError:
            out[m] = None
    return out


def copytrace_importable() -> str | None:
    """None when ``import copytrace`` (with compare_texts) works, else the reason."""
    try:
        import copytrace  # noqa: F401
        from copytrace import ScanConfig, compare_texts  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure means "skip with the reason"
        return f"copytrace not importable: {type(exc).__name__}: {exc}"
    return None


def copytrace_cli() -> list[str]:
    """The command that runs the copytrace CLI: the console script when it is on
    PATH next to this interpreter, else ``python -m copytrace.cli``."""
    exe = Path(sys.executable).with_name("copytrace")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("copytrace")
    if found:
        return [found]
    return [sys.executable, "-m", "copytrace.cli"]


# ---------------------------------------------------------------- measured subprocess


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident set (KiB) so far, or 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Measured:
    returncode: int | None
    wall_s: float
    peak_rss_mb: float
    timed_out: bool
    stdout: str
    stderr: str
    cpu_s: float  # user + system time of the process and the children it waited for


def run_measured(cmd: list[str], timeout_s: float, env: dict | None = None, cwd: Path | None = None) -> Measured:
    """Run one contender as its own process; return wall time and peak memory.

    Peak RSS is the larger of (a) the process's own high-water mark (VmHWM in
    /proc/PID/status, read while it runs; it belongs to the exec'd image, so it
    does not include this parent's memory) and (b) the peak of the summed RSS
    of its whole process tree, polled every 20 ms at first and every 250 ms
    after 20 s (for contenders that fan out
    to worker processes). CPU time comes from RUSAGE_CHILDREN before and after
    (this harness runs one contender at a time), and is the figure to trust when
    other work shares the machine. wait4's ru_maxrss is not used: Linux carries the
    pre-exec (forked parent's) high-water mark into it, so every child would
    report at least the harness's own size.
    """
    try:
        import psutil
    except ImportError:  # psutil is in the [bench] extra; wait4 alone still works
        psutil = None

    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ct-bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+") as fo, open(f"{out_path}.err", "w+") as fe:
        import resource

        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, cwd=cwd)
        tree_peak = 0
        hwm_kb = 0
        timed_out = False
        returncode = None
        ps = None
        if psutil is not None:
            try:
                ps = psutil.Process(proc.pid)
            except psutil.Error:
                ps = None
        while True:
            hwm_kb = max(hwm_kb, _vm_hwm_kb(proc.pid))
            if ps is not None:
                try:
                    rss = ps.memory_info().rss
                    for child in ps.children(recursive=True):
                        try:
                            rss += child.memory_info().rss
                        except psutil.Error:
                            pass
                    tree_peak = max(tree_peak, rss)
                except psutil.Error:
                    pass
            elapsed = time.perf_counter() - start
            if elapsed > timeout_s:
                timed_out = True
                if ps is not None:
                    for child in ps.children(recursive=True):
                        try:
                            child.kill()
                        except psutil.Error:
                            pass
                proc.kill()
                returncode = proc.wait()
                break
            # Poll often while a short run may end, then rarely: the poller shares the
            # contender's cores, and memory peaks of long runs last longer than 0.25 s.
            # wait() returns at the exit itself, so the wall time stays exact.
            try:
                returncode = proc.wait(timeout=0.02 if elapsed < 2 else 0.1 if elapsed < 20 else 0.25)
                break
            except subprocess.TimeoutExpired:
                pass
        wall = time.perf_counter() - start
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        fo.seek(0)
        fe.seek(0)
        stdout, stderr = fo.read(), fe.read()
    for suffix in (".out", ".err"):
        try:
            os.unlink(f"{out_path}{suffix}")
        except OSError:
            pass
    peak_mb = max(hwm_kb / 1024, tree_peak / 2**20)
    return Measured(returncode, wall, round(peak_mb, 1), timed_out, stdout, stderr, round(cpu, 2))


# ---------------------------------------------------------------- misc


def read_jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield json.loads(line)


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


# ---------------------------------------------------------------- copytrace on pairs

COPY_KINDS = frozenset({"exact", "near_duplicate", "partial", "spun", "paraphrase", "translation"})
ALL_LAYERS = ("lexical", "spin", "semantic")

_worker_config = None


class BudgetExceeded(RuntimeError):
    pass


def _compare_init(layers: tuple[str, ...], thresholds: dict | None = None) -> None:
    global _worker_config
    from copytrace import ScanConfig, Thresholds

    values = Thresholds().with_values(thresholds or {})
    _worker_config = ScanConfig(layers=tuple(layers), thresholds=values)


def _compare_one(job: tuple[str, str, str, str]) -> dict:
    """compare_texts on one (id_a, text_a, id_b, text_b), as a plain dict."""
    from copytrace import compare_texts

    id_a, text_a, id_b, text_b = job
    start = time.perf_counter()
    try:
        pair = compare_texts(text_a, text_b, id_a=id_a, id_b=id_b, config=_worker_config)
    except Exception as exc:  # noqa: BLE001 - a failing pair is recorded, not fatal
        return {"a": id_a, "b": id_b, "kind": None, "error": f"{type(exc).__name__}: {exc}",
                "seconds": time.perf_counter() - start}
    out = {"a": id_a, "b": id_b, "kind": None, "score": 0.0, "coverage_a": 0.0, "coverage_b": 0.0,
           "spans_b": [], "seconds": time.perf_counter() - start}
    if pair is not None:
        out.update(
            kind=str(getattr(pair.kind, "value", pair.kind)),
            score=float(pair.score),
            coverage_a=float(pair.coverage_a),
            coverage_b=float(pair.coverage_b),
            spans_b=[tuple(p.b) for p in (pair.passages or [])],
            scores_b=[float(p.score) for p in (pair.passages or [])],
        )
    return out


def compare_many(jobs: list[tuple[str, str, str, str]], layers: Sequence[str] = ALL_LAYERS,
                 workers: int = 1, budget_s: float | None = None, thresholds: dict | None = None) -> list[dict]:
    """Run copytrace.compare_texts over many pairs, in `workers` spawned
    processes (spawn, not fork: the embedding model may hold threads), with copytrace's thresholds changed by
    `thresholds` ({"stage": {"field": value}}, config.Thresholds.with_values): a threshold search passes its
    candidate values here. Raises BudgetExceeded when budget_s passes before all pairs are done."""
    start = time.perf_counter()

    def check(done: int) -> None:
        if budget_s is not None and time.perf_counter() - start > budget_s:
            raise BudgetExceeded(f"compare_texts passed its {budget_s:.0f} s budget after {done}/{len(jobs)} pairs")

    results: list[dict] = []
    if workers <= 1 or len(jobs) < 8:
        _compare_init(tuple(layers), thresholds)
        for j in jobs:
            results.append(_compare_one(j))
            check(len(results))
        return results
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_compare_init, initargs=(tuple(layers), thresholds))
    try:
        for r in pool.map(_compare_one, jobs, chunksize=4):
            results.append(r)
            check(len(results))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def features_on_splits(features, tune: list, test: list, layers, workers: int, budget_s: float | None, out: dict):
    """`features(items, layers, workers, budget)` on the tuning then the test split, sharing one time budget.
    Returns (tune_features, tune_info, test_features, test_info), or None after marking `out` skipped when
    copytrace cannot be imported or the budget runs out."""
    reason = copytrace_importable()
    if reason:
        out.update(skipped(reason))
        return None
    start = time.perf_counter()
    try:
        tune_f, tune_info = features(tune, layers, workers, budget_s)
        left = None if budget_s is None else max(1.0, budget_s - (time.perf_counter() - start))
        test_f, test_info = features(test, layers, workers, left)
    except BudgetExceeded as exc:
        out.update(skipped(str(exc)))
        return None
    return tune_f, tune_info, test_f, test_info


def score_two_splits(out: dict, tune: list, test: list, evaluate, peer: tuple, copytrace: tuple, layers, workers: int,
                     budget_s: float | None) -> list | None:
    """The body every two-split benchmark shares: the MinHash peer's features and copytrace's, each scored by
    `evaluate(tune_features, tune_gold, test_features, test_gold, names)` with thresholds from the tuning split,
    into out["peers"]["minhash"] and out. `peer` and `copytrace` are (features function, feature names); items have
    a `label`. Returns copytrace's test features, or None when copytrace was skipped (out says why)."""
    tune_gold, test_gold = [a.label for a in tune], [a.label for a in test]
    peer_features, peer_names = peer
    start = time.perf_counter()
    mh = evaluate(peer_features(tune), tune_gold, peer_features(test), test_gold, peer_names)
    mh["seconds"] = round(time.perf_counter() - start, 1)
    mh["settings"] = {"num_perm": 128, "ngram": 5}
    out.setdefault("peers", {})["minhash"] = mh
    ct_features, ct_names = copytrace
    splits = features_on_splits(ct_features, tune, test, layers, workers, budget_s, out)
    if splits is None:
        return None
    tune_f, tune_info, test_f, test_info = splits
    out.update(evaluate(tune_f, tune_gold, test_f, test_gold, ct_names))
    out["layers"] = list(layers)
    out["copytrace_runs"] = {"tune": tune_info, "test": test_info}
    return test_f


def covered_share(text: str, spans: Iterable[tuple[int, int]]) -> float:
    """Share of the text's non-space characters inside the union of spans."""
    total = sum(1 for ch in text if not ch.isspace())
    if not total:
        return 0.0
    covered = bytearray(len(text))
    for start, end in spans:
        start, end = max(0, int(start)), min(len(text), int(end))
        if end > start:
            covered[start:end] = b"\x01" * (end - start)
    return sum(1 for i, ch in enumerate(text) if covered[i] and not ch.isspace()) / total


def verbatim_weighted_share(text: str, spans: Sequence[tuple[int, int]], scores: Sequence[float]) -> float:
    """Share of the text's non-space characters inside passages, each weighted by its passage score (how much of
    it matched word for word): a copy-paste weighs ~1, a light rewrite less, a heavy rewrite less still."""
    total = sum(1 for ch in text if not ch.isspace())
    if not total:
        return 0.0
    weight = [0.0] * len(text)
    for (start, end), score in zip(spans, scores):
        for i in range(max(0, int(start)), min(len(text), int(end))):
            weight[i] = max(weight[i], float(score))
    return sum(w for w, ch in zip(weight, text) if not ch.isspace()) / total


def summarise_errors(results: list[dict]) -> dict:
    errors = [r["error"] for r in results if r.get("error")]
    return {"pairs_compared": len(results), "errors": len(errors), "first_error": errors[0] if errors else None,
            "seconds_per_pair": round(sum(r.get("seconds", 0.0) for r in results) / max(1, len(results)), 4)}


def report(result: dict, out: Path | None) -> None:
    """Print a benchmark's result as JSON, and write it to `out` too where given."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


def latency_percentiles(seconds: Sequence[float], digits: int = 2) -> dict:
    """n, p50, p95, p99 and max of latencies given in seconds, in milliseconds."""
    import numpy as np

    if not len(seconds):
        return {"n": 0}
    a = np.asarray(seconds, dtype=float) * 1000
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), digits),
            "p95_ms": round(float(np.percentile(a, 95)), digits), "p99_ms": round(float(np.percentile(a, 99)), digits),
            "max_ms": round(float(a.max()), digits)}
