"""How big a 10,000-pair report is, and how fast it opens in headless Chromium.

A synthetic scan output over real-looking texts: families of a base story (sentences drawn from the shipped
examples) and its copies, each copy made from the base sentence by sentence (a repost under furniture, a spun copy
with a quarter of its words swapped, a paraphrase with two fifths swapped, a partial copy keeping some sentences,
a "translation" with every word swapped); every two members of a family form a pair whose passages are the base's
chunks of four sentences both still hold, at their true offsets. So the report carries realistic passages and
realistic differing words. The output folder and the corpus (JSONL) are written as `scan` would, the report is
rendered as `copytrace report OUT_DIR corpus.jsonl --out report.html` renders it, and the page is opened in
Chromium several times: DOMContentLoaded (which waits for the page's script: JSON parse, the virtual list, the first
pair opened) and load are read from the Performance API.

    python bench/report_size.py                     # 10,000 pairs, 3 loads
    python bench/report_size.py --pairs 2000 --loads 5 --keep /tmp/report-bench
    python bench/report_size.py --loads 10 --vs /tmp/report-bench-main/report.html   # paired with another commit's
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import tempfile
import time
from itertools import combinations
from pathlib import Path

from copytrace.document import Cluster, DocumentRecord, Kind, Pair, Passage, ScanResult
from copytrace.write.report import read_results, texts_from_inputs, write_report
from copytrace.write.results import write_results

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000")
COPY_KINDS = (("near_duplicate", 0.0), ("spun", 0.25), ("paraphrase", 0.4), ("partial", 0.0), ("translation", 1.0))
CHUNK = 4  # sentences per passage


def example_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").rglob("*.txt"))
             if "-de" not in p.name]
    for line in (ROOT / "examples" / "newsroom").glob("*.jsonl"):
        texts += [json.loads(row)["text"] for row in line.read_text(encoding="utf-8").splitlines() if row.strip()]
    sentences = {s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 6}
    return sorted(sentences)


def make_family(rng: random.Random, sentences: list[str], swap: dict[str, str], fid: int, members: int):
    """A base story and its copies: (id, text, kind, chunk spans) per member, chunk spans None where dropped."""
    base = rng.sample(sentences, rng.randint(12, 18))
    out = []
    for m in range(members):
        kind, rate = ("original", 0.0) if m == 0 else rng.choice(COPY_KINDS)
        prefix = "Home | World | Business\nPosted by admin\n" if kind == "near_duplicate" else ""
        text, spans = prefix, []
        for c in range(0, len(base), CHUNK):
            if kind == "partial" and rng.random() < 0.5:
                spans.append(None)
                continue
            start = len(text)
            words = " ".join(base[c:c + CHUNK]).split(" ")
            text += " ".join(swap.get(w, w) if rng.random() < rate else w for w in words) + "\n\n"
            spans.append((start, len(text) - 2))
        out.append((f"site{m}.example/story-{fid}", text, kind, spans))
    return out


def synthetic_scan(n_pairs: int, seed: int = 7) -> tuple[ScanResult, dict[str, str]]:
    rng = random.Random(seed)
    sentences = example_sentences()
    vocab = sorted({w for s in sentences for w in s.split(" ")})
    swap = {w: rng.choice(vocab) for w in vocab}
    documents, pairs, clusters, texts = [], [], [], {}
    fid = 0
    while len(pairs) < n_pairs:
        fid += 1
        family = make_family(rng, sentences, swap, fid, rng.randint(3, 6))
        for doc_id, text, _, _ in family:
            texts[doc_id] = text
            day = 1 + rng.randrange(28)
            documents.append(DocumentRecord(doc_id, f"{doc_id}.html", f"2024-03-{day:02d}", "en", len(text), 0))
        for (ia, ta, ka, sa), (ib, tb, kb, sb) in combinations(family, 2):
            kinds = {ka, kb} - {"original"}
            kind = next((k for k in ("translation", "paraphrase", "spun", "partial", "near_duplicate") if k in kinds),
                        "near_duplicate")
            if rng.random() < 0.05:
                kind = "same_story"
            passages = [Passage(x, y, Kind(kind), round(rng.uniform(0.5, 1.0), 4))
                        for x, y in zip(sa, sb) if x is not None and y is not None]
            if not passages:
                continue
            score = round(rng.uniform(0.3, 1.0), 4)
            pairs.append(Pair(ia, ib, Kind(kind), score, round(rng.uniform(0.3, 1), 4), round(rng.uniform(0.3, 1), 4),
                              ia if ka == "original" else None, passages))
        clusters.append(Cluster(f"copies-{fid}", "copies", sorted(d[0] for d in family), family[0][0]))
    return ScanResult(documents, pairs[:n_pairs], clusters, []), texts


def load_times(report: Path, loads: int, other: Path | None = None) -> tuple[list[dict], list[dict]]:
    """Open the report `loads` times; with `other` (another report, e.g. one rendered at another commit), open the
    two in turn, A B B A A B ..., in the same browser, so that their times are paired (the machine's speed drifts)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="copytrace-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    times: dict[Path, list[dict]] = {report: [], other: []}
    try:
        for k in range(loads):
            for page in ((report, other) if k % 2 == 0 else (other, report)):
                if page is None:
                    continue
                driver.get("about:blank")
                driver.get(page.resolve().as_uri())
                nav = driver.execute_script("const n = performance.getEntriesByType('navigation')[0]; return "
                                            "{dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd};")
                rows = driver.execute_script("return document.querySelectorAll('#pair-rows .pair-row').length")
                opened = driver.execute_script(
                    "const r = window.copytraceReport, f = r.filtered(), t = performance.now();"
                    "r.open(f[f.length - 1]); return performance.now() - t;")
                times[page].append({**nav, "rows_in_dom": rows, "open_pair_ms": opened})
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return times[report], times[other]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the scan output, corpus and report here (else a tmp dir)")
    parser.add_argument("--vs", type=Path, metavar="REPORT",
                        help="another report.html (say, kept from another commit), opened in turn with this one")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="copytrace-report-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result, texts = synthetic_scan(args.pairs)
    write_results(result, work / "out")
    with open(work / "corpus.jsonl", "w", encoding="utf-8") as f:
        for d in result.documents:
            f.write(json.dumps({"id": d.id, "text": texts[d.id], "date": d.date}) + "\n")
    t0 = time.perf_counter()  # what `copytrace report OUT_DIR corpus.jsonl --out report.html` does
    scanned = read_results(work / "out")
    read_texts, mismatched = texts_from_inputs([work / "corpus.jsonl"], scanned.documents)
    assert not mismatched
    report = write_report(scanned, read_texts, work / "report.html")
    render_s = time.perf_counter() - t0
    times, theirs = load_times(report, args.loads, args.vs)
    print(json.dumps({
        "pairs": len(scanned.pairs), "documents": len(scanned.documents),
        "passages": sum(len(p.passages) for p in scanned.pairs),
        "report_bytes": report.stat().st_size, "render_s": round(render_s, 2),
        "dom_content_loaded_ms": [round(t["dcl"]) for t in times],
        "dom_content_loaded_median_ms": round(statistics.median(t["dcl"] for t in times)),
        "load_median_ms": round(statistics.median(t["load"] for t in times)),
        "rows_in_dom": times[0]["rows_in_dom"], "open_pair_ms": round(times[0]["open_pair_ms"], 1),
        "by_kind": {k.value: sum(p.kind is k for p in scanned.pairs) for k in Kind},
        **({"vs": str(args.vs), "vs_bytes": args.vs.stat().st_size,
            "vs_dom_content_loaded_median_ms": round(statistics.median(t["dcl"] for t in theirs)),
            "dom_content_loaded_ratio_median": round(statistics.median(
                mine["dcl"] / other["dcl"] for mine, other in zip(times, theirs)), 3)} if args.vs else {}),
    }, indent=1))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
