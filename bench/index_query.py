"""The index at scale: add speed, query latency, memory and size on disk, with datasketch's MinHashLSH beside it.

    python bench/index_query.py --docs 1000000 --layers lexical,spin [--parts 20] [--queries 300] [--scan]
                                [--keep DIR [--reuse]] [--mapped-mb MB] [--out result.json]

The corpus is bench/speed.py's generator at --docs documents (10% planted near-duplicates). It is added to an index
with `copytrace index add` in --parts equal parts, each its own process (wall time and peak RSS per part); with
--scan, `copytrace scan` of the whole corpus with the same layers is timed in the same run, for the add/scan
throughput ratio. Then one process opens the index (`copytrace.Index`) and queries it with --queries documents, one
at a time, after 20 warm-up queries: half real news articles (NewsArticles.csv; not in the corpus: a query that
finds nothing is the common case of a newsroom's monitor), half documents of the corpus itself (each finds at least
itself-like copies: a planted near-duplicate or the document's own text under another id). Reported: p50/p95/p99
of each half and of all, and the query process's peak RSS (VmHWM: the index opened and every query answered).
Last, 1% of the documents (every 100th) are removed with one `copytrace index remove` (its wall time).

datasketch: MinHashLSH (threshold 0.7, 128 permutations, as bench/speed.py runs it) holding the same number of
documents, queried with the same texts (its MinHash of word 5-grams computed per query, as its users do). Its
1M-document index is filled with the copytrace index's stored MinHash signatures (copytrace's hash functions, the
same shape: 128 values below 2^32 per document) rather than 1M datasketch MinHashes computed from text, which
would take about 14 minutes on this machine; the LSH's buckets and lookups are the same work either way.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

WARMUP = 20
ROOT = Path(__file__).resolve().parent.parent


def _queries(corpus: Path, n: int) -> list[dict]:
    """n/2 real news articles and n/2 corpus documents (evenly spread), as {"id", "text", "in_corpus"}."""
    import speed

    news = [a for a in speed.load_news() if len(a["text"].split()) >= 60][: n // 2 + WARMUP]
    out = [{"id": f"query-news-{k}", "text": a["text"], "in_corpus": False} for k, a in enumerate(news)]
    rows = list(common.read_jsonl(corpus))
    step = max(1, len(rows) // (n - n // 2 + WARMUP))
    out += [{"id": f"query-{r['id']}", "text": r["text"], "in_corpus": True} for r in rows[::step][: n - n // 2 + WARMUP]]
    return out


def query_worker(index: str, queries: str, out: str, mapped_mb: str = "0") -> None:
    """(Its own process.) Open the index and query it one document at a time."""
    from copytrace import Document, Index, ScanConfig
    from copytrace.config import EngineConfig

    items = json.loads(Path(queries).read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    ix = Index(index, ScanConfig(workers=1, sizes=EngineConfig(index_mapped_mb=int(mapped_mb))))
    stats = ix.stats()
    times = {True: [], False: []}
    found = {True: 0, False: 0}
    order = sorted(range(len(items)), key=lambda k: k % 7)  # the two halves interleaved
    for n, k in enumerate(order):
        item = items[k]
        start = time.perf_counter()
        pairs, _ = ix.query([Document(item["id"], item["text"])])
        elapsed = time.perf_counter() - start
        if n >= WARMUP:
            times[item["in_corpus"]].append(elapsed)
            found[item["in_corpus"]] += bool(pairs)
    Path(out).write_text(json.dumps({
        "open_and_query_s": round(time.perf_counter() - t0, 1), "stats": stats,
        "news": common.latency_percentiles(times[False]), "corpus_docs": common.latency_percentiles(times[True]),
        "all": common.latency_percentiles(times[False] + times[True]),
        "answered_with_copies": {"news": found[False], "corpus_docs": found[True]},
        "mapped_mb_budget": int(mapped_mb), "memory_at_end_mb": _memory(),
    }), encoding="utf-8")


def _memory() -> dict:
    """This process's resident memory now, in MB: all of it, its own (anonymous), and mapped files' pages (the page
    cache's, shared with every process mapping them)."""
    found = {}
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                found[name] = int(value.split()[0]) // 1024
    return found


def datasketch_worker(index: str, queries: str, out: str) -> None:
    """(Its own process.) MinHashLSH holding the index's documents, queried with the same texts."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from copytrace import Index

    snapshot = Index(index)._snapshot()
    lsh = MinHashLSH(threshold=0.7, num_perm=128)
    t0 = time.perf_counter()
    with lsh.insertion_session() as session:
        for segment, numbers in zip(snapshot.segments, snapshot.numbers):
            signatures = np.asarray(segment.array("fp.signatures"))[:, :128].astype(np.uint64)
            for row in np.flatnonzero(numbers >= 0).tolist():
                session.insert(f"{segment.name}/{row}", MinHash(num_perm=128, hashvalues=signatures[row], scheme="affine32"))
    fill = time.perf_counter() - t0
    word = re.compile(r"\w+")
    items = json.loads(Path(queries).read_text(encoding="utf-8"))
    times = []
    for n, item in enumerate(items):
        start = time.perf_counter()
        toks = word.findall(item["text"].lower())
        m = MinHash(num_perm=128)
        m.update_batch(" ".join(toks[i:i + 5]).encode("utf-8") for i in range(max(1, len(toks) - 4)))
        lsh.query(m)
        if n >= WARMUP:
            times.append(time.perf_counter() - start)
    Path(out).write_text(json.dumps({"fill_s": round(fill, 1), "all": common.latency_percentiles(times)}), encoding="utf-8")


def _measured(cmd: list[str], timeout: float) -> dict:
    m = common.run_measured(cmd, timeout)
    if m.returncode != 0:
        raise SystemExit(f"failed ({m.returncode}): {' '.join(map(str, cmd))}\n{m.stderr[-3000:]}")
    return {"wall_s": round(m.wall_s, 2), "peak_rss_mb": round(m.peak_rss_mb, 1)}


def run(docs: int, layers: str, parts: int, n_queries: int, scan: bool, keep: Path | None, timeout: float,
        reuse: bool = False, mapped_mb: int = 0) -> dict:
    import speed

    work = keep or Path(tempfile.mkdtemp(prefix="ct-index-query-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{docs}" / "corpus.jsonl"
    try:
        if not corpus.exists():
            speed.build_corpus(docs, corpus.parent)
    except FileNotFoundError as e:
        return common.skipped(f"benchmark data missing: {e}")
    cli = common.copytrace_cli()
    index = work / f"index-{docs}-{layers.replace(',', '+')}"
    lines = corpus.read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // parts)
    done = _parts_held(index, size) if reuse else 0
    if not done:
        shutil.rmtree(index, ignore_errors=True)
    adds = []
    for k in range(done, parts):
        part = work / f"part-{k}.jsonl"
        part.write_bytes(b"".join(lines[k * size:(k + 1) * size]))
        adds.append(_measured(cli + ["index", "add", str(index), str(part), "--layers", layers, "-q"], timeout))
        part.unlink()
        print(f"add {k + 1}/{parts}: {adds[-1]}", file=sys.stderr, flush=True)
    result = {"docs": docs, "layers": layers, "parts": parts, "adds": adds, "parts_reused": done}
    if adds:
        added = min(docs, (parts - done) * size)
        result.update(add_wall_s=round(sum(a["wall_s"] for a in adds), 1),
                      add_docs_per_s=round(added / sum(a["wall_s"] for a in adds), 1),
                      add_peak_rss_mb=max(a["peak_rss_mb"] for a in adds))
    if scan and adds:
        out = work / "scan-out"
        result["scan"] = _measured(cli + ["scan", str(corpus), "--out", str(out), "--layers", layers, "-q"], timeout)
        result["scan"]["docs_per_s"] = round(docs / result["scan"]["wall_s"], 1)
        result["add_vs_scan_throughput"] = round(result["add_docs_per_s"] / result["scan"]["docs_per_s"], 3)
        shutil.rmtree(out, ignore_errors=True)
    queries = work / "queries.json"
    queries.write_text(json.dumps(_queries(corpus, n_queries)), encoding="utf-8")
    for name, worker in (("copytrace", "query"), ("datasketch", "datasketch")):
        out = work / f"{name}.json"
        cmd = [sys.executable, __file__, f"--{worker}-worker", str(index), str(queries), str(out)]
        cmd += [str(mapped_mb)] if worker == "query" else []
        result[name] = {**_measured(cmd, timeout), **json.loads(out.read_text(encoding="utf-8"))}
    ids = [json.loads(line)["id"] for line in lines[::100]]  # 1% of the documents, spread over every part
    result["remove"] = {"ids": len(ids), **_measured(cli + ["index", "remove", str(index), *ids], timeout)}
    stats = result["copytrace"]["stats"]
    result["bytes_per_doc"] = round(stats["bytes"] / max(1, stats["documents"]))
    result.update(commit=common.git_commit(), machine=common.machine())
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _parts_held(index: Path, size: int) -> int:
    """How many whole parts a kept index holds (--reuse: the parts added before, by an earlier run or by hand with
    the same commands, are not added again)."""
    manifest = index / "manifest.json"
    if not manifest.exists():
        return 0
    held = sum(s["documents"] for s in json.loads(manifest.read_text(encoding="utf-8"))["segments"])
    if held % size:
        raise SystemExit(f"{index} holds {held} documents, not a whole number of parts of {size}: remove it")
    return held // size


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--layers", default="lexical,spin")
    ap.add_argument("--parts", type=int, default=20)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--scan", action="store_true", help="also time one scan of the corpus (add/scan throughput)")
    ap.add_argument("--keep", type=Path, help="work folder to keep (the corpus is reused if there)")
    ap.add_argument("--timeout", type=float, default=7200)
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: keep the index there and add only the parts it does not hold yet")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--mapped-mb", type=int, default=0,
                    help="the query process's EngineConfig.index_mapped_mb (0: no limit on mapped index pages)")
    ap.add_argument("--query-worker", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--datasketch-worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.query_worker:
        return query_worker(*args.query_worker)
    if args.datasketch_worker:
        return datasketch_worker(*args.datasketch_worker)
    result = run(args.docs, args.layers, args.parts, args.queries, args.scan, args.keep, args.timeout, args.reuse,
                 args.mapped_mb)
    common.report(result, args.out)


if __name__ == "__main__":
    main()
