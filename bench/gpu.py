"""The GPU path measured in one go (issue 16): run it on the device machine, where it measures everything at full
size; on a machine without CUDA it measures the CPU parts at a small size and says CUDA is absent.

1. embeddings: real sentences (news articles of the shared data, the hand translations of bench/data in 13
   languages), embedded by the package's numpy path (one process, and one per core), by the PyTorch port on the CPU,
   and on CUDA in fp32, tf32 and bf16: sentences/s, tokenising included and alone, each output's worst cosine to
   the numpy path's and to fp32;
2. the synthetic disguise suite (bench/synthetic.py, test split): `copytrace scan` with every layer, the CPU path
   (--device cpu --semantic rationed) and the GPU path (--device cuda --semantic deep), each timed as its own
   process, docs/s and recall/precision per kind;
3. the speed corpus (bench/speed.py: 200,000 documents on a GPU): the same two scans, docs/s and the recall of the
   planted near-duplicates.

    python bench/gpu.py --out gpu.json                 # everything, at the sizes this machine affords
    python bench/gpu.py --parts embed --sentences 20000 --out e.json

Prints a table and writes JSON (the file is rewritten after each part, so an interrupted run keeps what it measured).
Timings on a shared machine are only as good as the machine is quiet: the load average is written beside each.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PARTS = ("embed", "synthetic", "speed")


def cuda_present() -> bool:
    from copytrace.fingerprint.embed import resolve_device

    return resolve_device("auto") == "cuda"


# ------------------------------------------------------------------ sentences


def real_sentences(limit: int) -> list[str]:
    """Up to `limit` real sentences: the news articles of the shared data (English) and the hand translations (13
    languages), repeated when there are fewer (the model has no state across sentences, so a repeat costs the same)."""
    from copytrace.text.sentences import sentence_starts

    texts = [p.read_text(encoding="utf-8") for p in sorted((common.BENCH_DIR / "data" / "translations").glob("*.txt"))]
    news = common.data_root() / "news" / "NewsArticles.zip"
    if news.exists():
        import csv
        import io

        with zipfile.ZipFile(news) as z:
            name = next(n for n in z.namelist() if n.lower().endswith(".csv"))
            rows = csv.DictReader(io.TextIOWrapper(z.open(name), encoding="utf-8", errors="replace"))
            texts += [r.get("Article", "") or "" for r in rows]
    sentences = []
    for text in texts:
        for paragraph in text.split("\n"):
            paragraph = paragraph.strip()
            bounds = sentence_starts(paragraph).tolist() + [len(paragraph)]
            sentences += [paragraph[s:e].strip() for s, e in zip(bounds, bounds[1:]) if len(paragraph[s:e].split()) >= 3]
    if not sentences:
        raise SystemExit("no sentences found")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(sentences))
    picked = [sentences[i] for i in order[:limit]]
    while len(picked) < limit:
        picked += picked[: limit - len(picked)]
    return picked


def _numpy_chunk(sentences: list[str]) -> np.ndarray:
    from copytrace.fingerprint.embed import embedder

    return embedder("cpu").encode(sentences)


def numpy_rate(sentences: list[str], processes: int) -> tuple[float, np.ndarray]:
    """Sentences/s of the numpy path in `processes` processes (one BLAS thread each, as the engine runs it)."""
    if processes == 1:
        _numpy_chunk(sentences[:50])  # the model loaded before the clock starts
        start = time.perf_counter()
        out = _numpy_chunk(sentences)
        return len(sentences) / (time.perf_counter() - start), out
    chunks = [sentences[i::processes * 4] for i in range(processes * 4)]
    with mp.get_context("fork").Pool(processes) as pool:
        pool.map(_numpy_chunk, [sentences[:50]] * processes)  # each worker loads its model first
        start = time.perf_counter()
        parts = pool.map(_numpy_chunk, chunks)
        elapsed = time.perf_counter() - start
    out = np.empty((len(sentences), 512), np.float32)
    for i, part in enumerate(parts):
        out[i::processes * 4] = part
    return len(sentences) / elapsed, out


def bench_embeddings(n_sentences: int, cuda: bool) -> dict:
    from copytrace.fingerprint.embed import prepared
    from copytrace.fingerprint.embed_torch import TorchEmbedder, worst_cosine

    sentences = prepared(real_sentences(n_sentences))
    cores = os.cpu_count() or 1
    result: dict = {"sentences": len(sentences), "cores": cores, "loadavg_1m": round(os.getloadavg()[0], 2)}
    reference_n = min(len(sentences), 4000 if cuda else len(sentences))
    rate, reference = numpy_rate(sentences[:reference_n], 1)
    result["numpy_1_process"] = {"sentences_per_s": round(rate), "sentences": reference_n}
    if cores > 1:
        rate, _ = numpy_rate(sentences[: min(len(sentences), 2000 * cores)], cores)
        result[f"numpy_{cores}_processes"] = {"sentences_per_s": round(rate)}
    try:
        import torch
    except ImportError:
        result["torch"] = "absent: pip install 'copytrace[gpu]'"
        return result
    result["torch_version"] = torch.__version__
    devices = [("cpu", "fp32", 1)] + ([("cuda", p, 0) for p in ("fp32", "tf32", "bf16")] if cuda else [])
    for device, precision, threads in devices:
        port = TorchEmbedder(device, precision, threads=threads)
        name = f"torch_{device}_{precision}" + ("_1_thread" if threads == 1 else "")
        subset = sentences if device == "cuda" else sentences[:reference_n]
        port.encode(subset[:256])  # warm-up: kernels, allocator
        start = time.perf_counter()
        ids = port.tokenize(subset)
        tokenised = time.perf_counter()
        vectors = port.encode_ids(ids)
        if device == "cuda":
            torch.cuda.synchronize()
        done = time.perf_counter()
        entry = {
            "sentences_per_s": round(len(subset) / (done - start)),
            "model_sentences_per_s": round(len(subset) / (done - tokenised)),
            "tokenise_sentences_per_s": round(len(subset) / (tokenised - start)),
            "tokens_per_sentence": round(sum(map(len, ids)) / len(ids), 1),
            "worst_cosine_to_numpy": round(worst_cosine(reference, vectors[:reference_n]), 7),
            "max_abs_diff_to_numpy": float(np.abs(reference - vectors[:reference_n]).max()),
        }
        if device == "cuda":
            entry["calibrated_precision"] = port.calibrated_precision()
            entry["gpu"] = torch.cuda.get_device_name()
        result[name] = entry
    if cuda:
        fp32 = TorchEmbedder("cuda", "fp32").encode_ids(TorchEmbedder("cuda", "fp32").tokenize(sentences[:20000]))
        for precision in ("tf32", "bf16"):
            port = TorchEmbedder("cuda", precision)
            result[f"torch_cuda_{precision}"]["worst_cosine_to_fp32"] = round(
                worst_cosine(fp32, port.encode_ids(port.tokenize(sentences[:20000]))), 7)
    return result


# ------------------------------------------------------------------ scans


def timed_scan(corpus: Path, out: Path, device: str, semantic: str, timeout_s: float) -> dict:
    cmd = [sys.executable, "-m", "copytrace", "scan", str(corpus), "--out", str(out), "--layers", "all",
           "--device", device, "--semantic", semantic, "--quiet"]
    load = round(os.getloadavg()[0], 2)
    m = common.run_measured(cmd, timeout_s)
    return {"wall_s": round(m.wall_s, 2), "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb, "exit_code": m.returncode,
            "timed_out": m.timed_out, "loadavg_1m_before": load, "command": " ".join(cmd[1:])}


def scan_paths(cuda: bool) -> list[tuple[str, str, str]]:
    """(name, device, semantic) of the scans compared: the CPU path always; the GPU path where there is CUDA, else
    deep mode on the CPU (slow: small corpora only)."""
    paths = [("cpu_rationed", "cpu", "rationed")]
    paths.append(("cuda_deep", "cuda", "deep") if cuda else ("cpu_deep", "cpu", "deep"))
    if cuda:
        paths.append(("cuda_rationed", "cuda", "rationed"))
    return paths


def subset_suite(corpus: Path, truth: Path, keep_originals: int, out_dir: Path) -> tuple[Path, Path]:
    """The suite cut to its derived documents, their sources and partners, and `keep_originals` other originals
    (deep mode on a CPU affords a few hundred documents)."""
    truth_rows = [json.loads(line) for line in truth.read_text().splitlines() if line.strip()]
    wanted = {t[k] for t in truth_rows if t["kind"] != "native_reuse" for k in ("a", "b")}
    docs = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    others = [d["id"] for d in docs if d["id"] not in wanted][:keep_originals]
    keep = wanted | set(others)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs if d["id"] in keep))
    (out_dir / "truth.jsonl").write_text("".join(
        json.dumps(t) + "\n" for t in truth_rows if t["a"] in keep and t["b"] in keep))
    return out_dir / "corpus.jsonl", out_dir / "truth.jsonl"


def bench_synthetic(cuda: bool, split: str, scale: float, work: Path, timeout_s: float) -> dict:
    import synthetic

    if not synthetic.DEFAULT_NEWS_ZIP.exists():
        return common.skipped(f"news data not found: {synthetic.DEFAULT_NEWS_ZIP} (set COPYTRACE_DATA)")
    files = synthetic.build(split, work / "suite", news_zip=synthetic.DEFAULT_NEWS_ZIP, scale=scale)
    corpus, truth = files.corpus, files.truth
    if not cuda:
        corpus, truth = subset_suite(corpus, truth, 100, work / "suite-small")
    n_docs = sum(1 for _ in corpus.open())
    result: dict = {"split": split, "scale": scale, "documents": n_docs}
    for name, device, semantic in scan_paths(cuda):
        out = work / f"synthetic-{name}"
        run = timed_scan(corpus, out, device, semantic, timeout_s)
        if run["exit_code"] in (0, 1) and (out / "pairs.jsonl").exists():
            reported = [(p["a"], p["b"], p["kind"]) for p in common.read_jsonl(out / "pairs.jsonl")]
            scores = synthetic.evaluate(reported, truth)
            run["quality"] = {k: {m: round(v, 3) if isinstance(v, float) else v for m, v in s.items()}
                              for k, s in scores.items()}
        run["docs_per_s"] = round(n_docs / run["wall_s"], 1) if run["wall_s"] else None
        result[name] = run
    return result


def bench_speed(cuda: bool, n_docs: int, work: Path, timeout_s: float) -> dict:
    import speed

    if not speed.news_zip().exists():
        return common.skipped(f"news data not found: {speed.news_zip()} (set COPYTRACE_DATA)")
    corpus_dir = work / "speed"
    speed.build_corpus(n_docs, corpus_dir)
    planted = {tuple(sorted(p)) for p in json.loads((corpus_dir / "truth.json").read_text())["pairs"]}
    result: dict = {"documents": n_docs, "planted": len(planted)}
    for name, device, semantic in scan_paths(cuda):
        out = work / f"speed-{name}"
        run = timed_scan(corpus_dir / "corpus.jsonl", out, device, semantic, timeout_s)
        if (out / "pairs.jsonl").exists():
            found = {tuple(sorted((p["a"], p["b"]))) for p in common.read_jsonl(out / "pairs.jsonl")
                     if p["kind"] in common.COPY_KINDS}
            run["recall_planted"] = round(len(planted & found) / max(1, len(planted)), 4)
            run["pairs"] = len(found)
        run["docs_per_s"] = round(n_docs / run["wall_s"], 1) if run["wall_s"] else None
        result[name] = run
    return result


# ------------------------------------------------------------------ driver


def table(results: dict) -> str:
    lines = [f"CUDA: {results['cuda']}"]
    embed = results.get("embed", {})
    for name, entry in embed.items():
        if isinstance(entry, dict) and "sentences_per_s" in entry:
            extra = "".join(f"  {k} {entry[k]}" for k in ("worst_cosine_to_numpy", "worst_cosine_to_fp32") if k in entry)
            lines.append(f"embed  {name:28s} {entry['sentences_per_s']:>10,} sentences/s{extra}")
    for part in ("synthetic", "speed"):
        for name, run in results.get(part, {}).items():
            if isinstance(run, dict) and "wall_s" in run:
                q = ""
                if "quality" in run:
                    q = "  recall " + " ".join(f"{k}:{v['recall']}" for k, v in run["quality"].items() if "recall" in v)
                if "recall_planted" in run:
                    q = f"  recall planted {run['recall_planted']}"
                lines.append(f"{part:10s}{name:16s} {results[part]['documents']:>8,} docs {run['wall_s']:>8.1f} s "
                             f"{run['docs_per_s'] or 0:>9,.1f} docs/s  exit {run['exit_code']}{q}")
            elif name == "skipped":
                lines.append(f"{part:10s}skipped: {results[part]['reason']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("gpu.json"))
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)}")
    ap.add_argument("--sentences", type=int, default=0, help="sentences embedded (default: 400k on CUDA, 2k else)")
    ap.add_argument("--docs", type=int, default=0, help="speed corpus documents (default: 200k on CUDA, 300 else)")
    ap.add_argument("--split", default="test", help="synthetic suite split")
    ap.add_argument("--scale", type=float, default=0.0, help="synthetic suite scale (default: 1 on CUDA, 0.05 else)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed to each scan")
    ap.add_argument("--work", type=Path, default=None, help="folder for corpora and outputs (default: a temporary one)")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    cuda = cuda_present()
    results: dict = {"cuda": cuda, "machine": common.machine(), "commit": common.git_commit(),
                     "versions": common.versions("numpy", "torch", "sentencepiece")}
    if not cuda:
        print("CUDA is absent here: the CPU parts run at a small size; run this on a GPU machine for the GPU figures",
              file=sys.stderr)
    work = args.work or Path(tempfile.mkdtemp(prefix="ct-gpu-"))

    def save() -> None:
        args.out.write_text(json.dumps(results, indent=1))

    if "embed" in parts:
        results["embed"] = bench_embeddings(args.sentences or (400_000 if cuda else 2000), cuda)
        save()
    if "synthetic" in parts:
        results["synthetic"] = bench_synthetic(cuda, args.split, args.scale or (1.0 if cuda else 0.05), work,
                                               args.timeout)
        save()
    if "speed" in parts:
        results["speed"] = bench_speed(cuda, args.docs or (200_000 if cuda else 300), work, args.timeout)
        save()
    print(table(results))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
