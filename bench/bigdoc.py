"""Big documents: one text of N MB with 20 small copies of its parts (issue 17).

The corpus. One big document of N MB made of news-like articles written by speed.py's order-2 word Markov chain
over the real news articles (NewsArticles.zip): its words, sentence lengths and paragraphs are the news', and,
unlike the 3,824 real articles concatenated, it does not repeat one article dozens of times (a 100 MB document
of real articles would hold each ~10 times, and every copy of a part would then be a copy of ten parts). Beside it,
COPIES small documents, each a few consecutive paragraphs (120-400 words) of a different article of the big document, spread over
its whole length, verbatim (even k) or with light edits (odd k: one sentence dropped, one word in 150 changed), and
UNRELATED documents of the same chain that copy nothing. All in one JSONL corpus, with truth.json giving each
copy's span (character offsets) in the big document.

The runner scans the corpus with ``python -m copytrace scan`` (default layers) as its own subprocess
(common.run_measured: wall time, CPU time, peak RSS of the process tree) and checks that every planted copy is
reported against the big document as a copy of kind partial or better (exact, near_duplicate, partial), with a
passage overlapping the planted span in the big document.

    python bench/bigdoc.py --mb 10,50,100           # prints the table; corpora are cached under --work
    python bench/bigdoc.py --mb 10 --build-only DIR  # just write the corpus
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import speed  # noqa: E402  (the news loader, the Markov chain and its articles live there)

SEED = 17
COPIES = 20
UNRELATED = 5
#: a copy takes consecutive paragraphs of one article until it holds this many words (at random in the range)
COPY_WORDS = (120, 400)
BIG_ID = "big-document"
#: kinds that count as finding a planted copy: partial or better
FOUND_KINDS = ("exact", "near_duplicate", "partial")


def _chain():
    path = speed.news_zip()
    if not path.exists():
        return None
    return speed.NewsChain(speed.load_news(path))


def _article(chain, rng: random.Random, min_words: int = 100) -> list[list[str]]:
    return speed.article_paragraphs(chain, rng, min_words)


_render = speed.render_article


def _edited(paragraphs: list[list[str]], rng: random.Random, vocab: list[str]) -> list[list[str]]:
    """Light edits: one sentence dropped (when there are several), one word in 150 changed."""
    copy = [list(p) for p in paragraphs]
    flat = [(i, j) for i, p in enumerate(copy) for j in range(len(p))]
    if len(flat) > 3:
        i, j = rng.choice(flat[1:-1])
        del copy[i][j]
    for _ in range(max(1, sum(len(s.split()) for p in copy for s in p) // 150)):
        flat = [(i, j) for i, p in enumerate(copy) for j in range(len(p))]
        i, j = rng.choice(flat)
        words = copy[i][j].split()
        words[rng.randrange(len(words))] = rng.choice(vocab)
        copy[i][j] = " ".join(words)
    return copy


def build_corpus(mb: float, out_dir: Path, seed: int = SEED, chain=None) -> dict | None:
    """Write out_dir/corpus.jsonl and out_dir/truth.json; None when the news data is missing."""
    chain = chain or _chain()
    if chain is None:
        return None
    rng = random.Random(seed)
    target = int(mb * 2**20)
    articles: list[list[list[str]]] = []
    size = 0
    while size < target:
        art = _article(chain, rng, 100)
        articles.append(art)
        size += len(_render(art).encode()) + 2
    # the copied articles: one in each twentieth of the document, so copies sit all along it
    n = len(articles)
    long_enough = [sum(len(s.split()) for p in art for s in p) >= COPY_WORDS[1] for art in articles]
    chosen = []
    for k in range(COPIES):
        lo, hi = k * n // COPIES, max(k * n // COPIES + 1, (k + 1) * n // COPIES)
        chosen.append(rng.choice([a for a in range(lo, hi) if long_enough[a]] or [lo]))
    pieces, offset, spans = [], 0, {}
    for a, art in enumerate(articles):
        if pieces:
            offset += 2
        if a in chosen:  # consecutive paragraphs from a random one, until COPY_WORDS words or the article ends
            first = rng.randrange(0, max(1, len(art) - 3))
            last, words, want = first, 0, rng.randint(*COPY_WORDS)
            while last < len(art) and words < want:
                words += sum(len(s.split()) for s in art[last])
                last += 1
            before = _render(art[:first])
            start = offset + len(before) + (2 if before else 0)
            part = art[first:last]
            spans[a] = (start, start + len(_render(part)), part)
        text = _render(art)
        pieces.append(text)
        offset += len(text)
    big = "\n\n".join(pieces)
    records = [{"id": BIG_ID, "text": big}]
    truth = []
    for k, a in enumerate(chosen):
        start, end, part = spans[a]
        copied = part if k % 2 == 0 else _edited(part, rng, chain.words)
        copy_id = f"copy-{k:02d}"
        records.append({"id": copy_id, "text": _render(copied)})
        truth.append({"id": copy_id, "span": [start, end], "edited": k % 2 == 1})
        assert big[start:end] == _render(part)
    for u in range(UNRELATED):
        records.append({"id": f"unrelated-{u}", "text": _render(_article(chain, rng))})
    order = records[1:]
    rng.shuffle(order)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / "corpus.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in [records[0]] + order:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(out_dir / "corpus.jsonl")
    (out_dir / "truth.json").write_text(json.dumps({"big": BIG_ID, "chars": len(big), "copies": truth}))
    return {"mb": round((out_dir / "corpus.jsonl").stat().st_size / 2**20, 1), "big_chars": len(big),
            "copies": COPIES, "unrelated": UNRELATED, "seed": seed}


def found_copies(pairs_path: Path, truth: dict) -> dict[str, bool]:
    """For each planted copy: reported against the big document as partial or better, with a passage that overlaps
    its span in the big document."""
    big = truth["big"]
    reported: dict[str, dict] = {}
    for line in pairs_path.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        if big in (p["a"], p["b"]):
            reported[p["b"] if p["a"] == big else p["a"]] = p
    out = {}
    for c in truth["copies"]:
        p = reported.get(c["id"])
        ok = p is not None and p["kind"] in FOUND_KINDS
        if ok:
            side = "a" if p["a"] == big else "b"
            s, e = c["span"]
            ok = any(q[side][0] < e and q[side][1] > s for q in p["passages"])
        out[c["id"]] = ok
    return out


def run(mb: float, work: Path, timeout_s: float = 1800.0, layers: str = "all", chain=None) -> dict:
    corpus_dir = work / f"bigdoc-{mb:g}mb-seed{SEED}"
    if not (corpus_dir / "truth.json").exists():
        if build_corpus(mb, corpus_dir, chain=chain) is None:
            return common.skipped(f"news articles missing: {_news_path()}")
    truth = json.loads((corpus_dir / "truth.json").read_text())
    out = corpus_dir / f"scan-{layers}"
    env = {**os.environ, "PYTHONPATH": str(common.REPO_ROOT / "src")}
    cmd = [sys.executable, "-m", "copytrace", "scan", str(corpus_dir / "corpus.jsonl"), "-o", str(out), "-q",
           "--layers", layers]
    m = common.run_measured(cmd, timeout_s, env=env)
    result = {"mb": mb, "corpus_mb": round((corpus_dir / "corpus.jsonl").stat().st_size / 2**20, 1),
              "wall_s": round(m.wall_s, 1), "cpu_s": round(m.cpu_s, 1), "peak_rss_mb": m.peak_rss_mb,
              "returncode": m.returncode, "timed_out": m.timed_out, "copies": len(truth["copies"])}
    if m.returncode not in (0, 1) or m.timed_out:
        result["error"] = m.stderr[-2000:]
        result["found"] = 0
        return result
    found = found_copies(out / "pairs.jsonl", truth)
    result["found"] = sum(found.values())
    result["missed"] = [k for k, ok in found.items() if not ok]
    return result


def _news_path() -> Path:
    import speed

    return speed.news_zip()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", default="10,50,100", help="comma list of big-document sizes in MB")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "copytrace-bigdoc",
                    help="folder for the corpora (kept and reused) and scan outputs")
    ap.add_argument("--layers", default="all")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--build-only", type=Path, default=None, help="write the corpus of the first --mb here and stop")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    sizes = [float(s) for s in args.mb.split(",") if s.strip()]
    if not _news_path().exists():
        print(f"skipped: news articles missing ({_news_path()})")
        return
    chain = _chain()
    if args.build_only:
        print(json.dumps(build_corpus(sizes[0], args.build_only, chain=chain)))
        return
    results = []
    print(f"{'MB':>5} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'found':>7}")
    for mb in sizes:
        r = run(mb, args.work, args.timeout, args.layers, chain)
        results.append(r)
        if r.get("skipped"):
            print(f"{mb:>5g} skipped: {r['reason']}")
            continue
        print(f"{mb:>5g} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_rss_mb']:>12.0f} "
              f"{r['found']:>4}/{r['copies']}" + (f"  missed {r['missed']}" if r.get("missed") else "")
              + (f"  error: {r['error'][-300:]}" if r.get("error") else ""), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
