"""Does a copy stay found when unrelated documents are added? The speed corpus (bench/speed.py, 20k documents)
grown to N documents with word-relabelled copies of itself, scanned with ``--layers lexical``: the pairs reported
among the first 20k documents should not depend on N (issue 14: `partial` 84 / 3 / 0 times at 100k / 300k / 1M).

A relabelled copy is a document of the 20k with every word replaced through a permutation of the corpus's
vocabulary, one permutation per round of copies: it keeps the corpus's lengths, paragraphs and the shape of its
key frequencies (its own near-duplicates and chance phrases recur among the copies of its round), and shares
with the original 20k only what chance puts in common.

    python bench/grown.py --sizes 100000,300000 [--base 20000] [--src SRC_CHECKOUT/src] [--work DIR] [--out F]

The corpora are written once under --work (kept, and reused when there). Each size is scanned by the copytrace
under --src (default: this checkout's src), its own process (wall time, CPU and peak RSS by common.run_measured);
printed: per kind, the pairs whose two documents are among the first 20k, and the planted near-duplicates found.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from speed import build_corpus, news_zip  # noqa: E402

SEED = 29
_WORD = re.compile(r"\S+")


def relabelled(text: str, mapping: dict[str, str]) -> str:
    return _WORD.sub(lambda m: mapping[m.group()], text)


def grow(base_dir: Path, size: int, out: Path) -> Path:
    """base_dir/corpus.jsonl, then rounds of relabelled copies of it, `size` documents in all."""
    if out.exists():
        return out
    base = [json.loads(line) for line in open(base_dir / "corpus.jsonl", encoding="utf-8")]
    vocabulary = sorted({w for r in base for w in _WORD.findall(r["text"])})
    rng = random.Random(SEED)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        written = 0
        for copy in range(size // len(base) + 1):
            if copy:
                shuffled = vocabulary[:]
                rng.shuffle(shuffled)
                mapping = dict(zip(vocabulary, shuffled))
            for r in base:
                if written == size:
                    break
                text = r["text"] if copy == 0 else relabelled(r["text"], mapping)
                doc_id = r["id"] if copy == 0 else f"{r['id']}-r{copy}"
                f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
                written += 1
    tmp.replace(out)
    return out


def scan(corpus: Path, src: Path, base_ids: set[str], truth: set[tuple[str, str]], work: Path) -> dict:
    out = work / f"out-{corpus.stem}-{abs(hash(str(src))) % 10**6}"
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    m = common.run_measured([sys.executable, "-m", "copytrace", "scan", str(corpus), "--out", str(out),
                             "--layers", "lexical", "-q"], timeout_s=3600, env=env)
    kinds: Counter = Counter()
    found = set()
    for p in common.read_jsonl(out / "pairs.jsonl"):
        if p["a"] in base_ids and p["b"] in base_ids:
            kinds[p["kind"]] += 1
            found.add(common.pair_key(p["a"], p["b"]))
    docs = sum(1 for _ in open(corpus, encoding="utf-8"))
    return {"docs": docs, "exit": m.returncode, "wall_s": round(m.wall_s, 1), "cpu_s": m.cpu_s,
            "peak_rss_mb": m.peak_rss_mb, "docs_per_s": round(docs / m.wall_s, 1),
            "pairs_among_base": dict(sorted(kinds.items())), "planted_found": len(truth & found),
            "planted": len(truth), "stderr_tail": m.stderr[-300:] if m.returncode not in (0, 1) else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,300000")
    ap.add_argument("--base", type=int, default=20_000)
    ap.add_argument("--src", type=Path, default=common.REPO_ROOT / "src")
    ap.add_argument("--work", type=Path, default=Path("/tmp/copytrace-grown"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if not news_zip().is_file():
        print(json.dumps(common.skipped(f"news articles not found at {news_zip()}")))
        return
    base_dir = args.work / f"speed{args.base}"
    if not (base_dir / "corpus.jsonl").exists():
        build_corpus(args.base, base_dir)
    base_ids = {json.loads(line)["id"] for line in open(base_dir / "corpus.jsonl", encoding="utf-8")}
    truth = {tuple(p) for p in json.loads((base_dir / "truth.json").read_text())["pairs"]}
    results = {}
    for size in [args.base] + [int(s) for s in args.sizes.split(",")]:
        corpus = base_dir / "corpus.jsonl" if size == args.base else grow(base_dir, size, args.work / f"grown{size}.jsonl")
        results[size] = scan(corpus, args.src.resolve(), base_ids, truth, args.work)
        print(json.dumps({size: results[size]}), flush=True)
    if args.out:
        args.out.write_text(json.dumps({"src": str(args.src), "commit": common.git_commit(), "results": results},
                                       indent=1))


if __name__ == "__main__":
    main()
