"""Speed: documents per second, peak memory and recall of planted near-duplicates,
for copytrace and the MinHash peers on one generated JSONL corpus.

The corpus. Real news articles (NewsArticles.csv, 3,824 articles) train an
order-2 word Markov chain, which writes every document: each takes the word
count of a random real article, ends on a sentence end, and is split into
paragraphs of 1-4 sentences. Why not deal real sentences or paragraphs into new
documents: 3,824 articles hold ~90k sentences, so a 20k-document corpus would
repeat each sentence ~5 times and a 200k one ~50 times, and any copy finder
would rightly report those as partial copies or boilerplate (a first version
did: 3,249 chance "partial" pairs at 20k documents). The chain keeps the news'
words, word pairs, punctuation and sentence lengths; its runs copied from one
article are short, so unrelated documents share only scattered 5-grams.

NEAR_DUP_SHARE of the documents are planted near-duplicates of another one: a
few words changed, one sentence dropped, a line of site furniture added, kept
only if the exact Jaccard of word 5-gram shingles is >= MIN_PLANTED_JACCARD.
Recall is the share of those pairs a contender reports.

Each contender runs as its own subprocess on the same file (wall time includes
start-up and reading; peak RSS per contender, see common.run_measured):
datasketch and rensa as their users run them (streaming query-then-insert into
an LSH index at threshold 0.7, 128 permutations, word 5-grams), and
``copytrace scan`` with ``--layers lexical`` and with all layers.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

NEAR_DUP_SHARE = 0.10
MIN_PLANTED_JACCARD = 0.75
LSH_THRESHOLD = 0.7
NUM_PERM = 128
NGRAM = 5
# datasketch picks b=14, r=9 for threshold 0.7 at 128 permutations (126 used);
# rensa needs num_perm divisible by the band count: 16 x 8 has its S-curve
# midpoint (1/16)^(1/8) = 0.707, the closest.
RENSA_BANDS = 16
SEED = 13

FURNITURE = [
    "Share this article on Facebook and Twitter",
    "Advertisement",
    "Read more: the latest news from our correspondents",
    "Sign up for our daily newsletter",
    "Follow us on Twitter for breaking news updates",
    "Copyright 2017. All rights reserved.",
    "Related Posts",
    "Leave a Reply",
]


def news_zip() -> Path:
    return common.data_root() / "news" / "NewsArticles.zip"


def load_news(path: Path | None = None) -> list[dict]:
    path = path or news_zip()
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        raw = z.read(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return [r for r in csv.DictReader(io.StringIO(text)) if (r.get("text") or "").strip()]


def exact_duplicate_groups(articles: list[dict]) -> dict:
    groups: dict[str, int] = {}
    for a in articles:
        key = " ".join(a["text"].lower().split())
        groups[key] = groups.get(key, 0) + 1
    multi = [n for n in groups.values() if n > 1]
    return {"groups": len(multi), "articles_in_groups": sum(multi)}


class NewsChain:
    """An order-2 word Markov chain over the real articles: text whose words,
    word pairs, sentence lengths and punctuation are those of the news, but
    whose documents do not repeat each other's sentences."""

    _SHIFT = 1 << 21  # more than the vocabulary size: a state is w1 * _SHIFT + w2

    def __init__(self, articles: list[dict]):
        self.vocab: dict[str, int] = {}
        self.words: list[str] = []
        self.next: dict[int, list[int]] = {}
        self.starts: list[int] = []
        for art in articles:
            toks = [self._id(w) for w in art["text"].split()]
            for i in range(len(toks) - 2):
                state = toks[i] * self._SHIFT + toks[i + 1]
                self.next.setdefault(state, []).append(toks[i + 2])
                if i == 0 or self._ends(self.words[toks[i - 1]]):
                    self.starts.append(state)
        self.article_words = [len(a["text"].split()) for a in articles]

    def _id(self, w: str) -> int:
        i = self.vocab.get(w)
        if i is None:
            i = self.vocab[w] = len(self.words)
            self.words.append(w)
        return i

    @staticmethod
    def _ends(word: str) -> bool:
        return word.rstrip("\"'\u201d\u2019)").endswith((".", "!", "?"))

    def sentences(self, n_words: int, rng: random.Random) -> list[str]:
        state = rng.choice(self.starts)
        out: list[str] = []
        current = [self.words[state // self._SHIFT], self.words[state % self._SHIFT]]
        total = 2
        while True:
            options = self.next.get(state)
            if not options or len(current) >= 80:
                state = rng.choice(self.starts)  # dead end or run-on: start a fresh sentence
                if current:
                    out.append(" ".join(current))
                current = [self.words[state // self._SHIFT], self.words[state % self._SHIFT]]
                total += 2
                continue
            w = rng.choice(options)
            current.append(self.words[w])
            total += 1
            state = (state % self._SHIFT) * self._SHIFT + w
            if self._ends(self.words[w]):
                out.append(" ".join(current))
                current = []
                if total >= n_words:
                    return out



def article_paragraphs(chain: NewsChain, rng: random.Random, min_words: int) -> list[list[str]]:
    """One generated article: the word count of a random real article (at least min_words, at most 2,000), in
    paragraphs of 1-4 sentences."""
    sentences = chain.sentences(min(2000, max(min_words, rng.choice(chain.article_words))), rng)
    paragraphs, i = [], 0
    while i < len(sentences):
        k = rng.randint(1, 4)
        paragraphs.append(sentences[i : i + k])
        i += k
    return paragraphs


def render_article(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs if p)

def build_corpus(n_docs: int, out_dir: Path, seed: int = SEED, articles: list[dict] | None = None) -> dict:
    """Write out_dir/corpus.jsonl ({"id", "text"} per line) and
    out_dir/truth.json (the planted pairs). Returns a description."""
    rng = random.Random(seed)
    articles = articles if articles is not None else load_news()
    chain = NewsChain(articles)
    vocab = chain.words

    def make_doc() -> list[list[str]]:
        return article_paragraphs(chain, rng, 60)

    render = render_article

    def near_duplicate(paragraphs: list[list[str]], edits: int, drop: bool) -> list[list[str]]:
        copy = [list(p) for p in paragraphs]
        flat = [(i, j) for i, p in enumerate(copy) for j in range(len(p))]
        if drop and len(flat) >= 8:
            i, j = rng.choice(flat)
            del copy[i][j]
        for _ in range(edits):
            flat = [(i, j) for i, p in enumerate(copy) for j in range(len(p))]
            i, j = rng.choice(flat)
            words = copy[i][j].split()
            words[rng.randrange(len(words))] = rng.choice(vocab)
            copy[i][j] = " ".join(words)
        line = [rng.choice(FURNITURE)]
        return [line] + copy if rng.random() < 0.5 else copy + [line]

    n_dups = int(n_docs * NEAR_DUP_SHARE)
    n_orig = n_docs - n_dups
    ids = [f"doc{i:07d}" for i in rng.sample(range(n_docs), n_docs)]  # ids say nothing about role
    dup_sources = set(rng.sample(range(n_orig), n_dups))
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = out_dir / "corpus.jsonl"
    truth, jaccards = [], []
    tmp = corpus.with_suffix(".tmp")
    records: list[tuple[str, str]] = []
    next_id = iter(ids)
    for k in range(n_orig):
        paragraphs = make_doc()
        doc_id = next(next_id)
        text = render(paragraphs)
        records.append((doc_id, text))
        if k in dup_sources:
            base = common.shingles(text, NGRAM)
            for edits, drop in ((3, True), (2, True), (2, False), (1, False), (0, False)):
                dup_text = render(near_duplicate(paragraphs, edits, drop))
                j = common.jaccard(base, common.shingles(dup_text, NGRAM))
                if j >= MIN_PLANTED_JACCARD:
                    break
            dup_id = next(next_id)
            records.append((dup_id, dup_text))
            truth.append(common.pair_key(doc_id, dup_id))
            jaccards.append(j)
        if len(records) >= 5000:
            _flush(tmp, records)
    _flush(tmp, records)
    tmp.replace(corpus)
    # Shuffle nothing on disk: originals and copies interleave already, and
    # file order is the order a streaming peer sees, which is realistic.
    (out_dir / "truth.json").write_text(json.dumps({"pairs": truth}))
    jaccards.sort()
    return {
        "docs": n_docs,
        "mb": round(corpus.stat().st_size / 2**20, 2),
        "planted_pairs": len(truth),
        "planted_jaccard": {"min": round(jaccards[0], 3), "median": round(jaccards[len(jaccards) // 2], 3)} if jaccards else None,
        "generator": "order-2 word Markov chain over the news articles",
        "seed": seed,
        "source_articles": len(articles),
        "source_exact_duplicate_groups": exact_duplicate_groups(articles),
        "chain_states": len(chain.next),
    }


def _flush(path: Path, records: list[tuple[str, str]]) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        for doc_id, text in records:
            fh.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    records.clear()


# ---------------------------------------------------------------- the peers as users run them
# Kept self-contained (no import of bench.common) so the subprocess measures
# only what a user's script would load.


def contender_datasketch(corpus: Path, pairs_out: Path) -> None:
    from datasketch import MinHash, MinHashLSH

    word = re.compile(r"\w+")
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    with open(corpus, encoding="utf-8") as fh, open(pairs_out, "w") as out:
        for line in fh:
            rec = json.loads(line)
            toks = word.findall(rec["text"].lower())
            shingles = {" ".join(toks[i : i + NGRAM]) for i in range(max(1, len(toks) - NGRAM + 1))}
            m = MinHash(num_perm=NUM_PERM)
            m.update_batch(s.encode("utf-8") for s in shingles)
            for other in lsh.query(m):
                out.write(json.dumps([other, rec["id"]]) + "\n")
            lsh.insert(rec["id"], m)


def contender_rensa(corpus: Path, pairs_out: Path) -> None:
    from rensa import RMinHash, RMinHashLSH

    word = re.compile(r"\w+")
    lsh = RMinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
    ids: list[str] = []
    with open(corpus, encoding="utf-8") as fh, open(pairs_out, "w") as out:
        for line in fh:
            rec = json.loads(line)
            toks = word.findall(rec["text"].lower())
            shingles = {" ".join(toks[i : i + NGRAM]) for i in range(max(1, len(toks) - NGRAM + 1))}
            m = RMinHash(num_perm=NUM_PERM, seed=42)
            m.update(list(shingles))
            for other in lsh.query(m):
                out.write(json.dumps([ids[other], rec["id"]]) + "\n")
            lsh.insert(len(ids), m)
            ids.append(rec["id"])


CONTENDERS = ("datasketch", "rensa", "copytrace_lexical", "copytrace_full")


def _command(name: str, corpus: Path, work: Path) -> list[str]:
    if name in ("datasketch", "rensa"):
        return [sys.executable, str(Path(__file__).resolve()), "_contender", name, str(corpus), str(work / "pairs.jsonl")]
    layers = ["--layers", "lexical"] if name == "copytrace_lexical" else ["--layers", "all"]
    return [*common.copytrace_cli(), "scan", str(corpus), "--out", str(work / "out"), *layers, "--quiet"]


def _reported_pairs(name: str, work: Path) -> tuple[set[tuple[str, str]], dict[str, int]]:
    pairs: set[tuple[str, str]] = set()
    kinds: dict[str, int] = {}
    if name in ("datasketch", "rensa"):
        path = work / "pairs.jsonl"
        if path.exists():
            for a, b in common.read_jsonl(path):
                pairs.add(common.pair_key(a, b))
        return pairs, kinds
    path = work / "out" / "pairs.jsonl"
    if path.exists():
        for rec in common.read_jsonl(path):
            kind = rec.get("kind")
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind in common.COPY_KINDS:
                pairs.add(common.pair_key(str(rec["a"]), str(rec["b"])))
    return pairs, kinds


def run_contender(name: str, corpus: Path, truth: set[tuple[str, str]], docs: int, timeout_s: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"ct-speed-{name}-"))
    try:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        load_before = round(os.getloadavg()[0], 2)
        m = common.run_measured(_command(name, corpus, work), timeout_s, env=env)
        result: dict = {"wall_s": round(m.wall_s, 2), "cpu_s": m.cpu_s, "peak_rss_mb": m.peak_rss_mb,
                        "exit_code": m.returncode, "loadavg_1m_before": load_before}
        if m.timed_out:
            result.pop("cpu_s")  # the killed workers were never reaped by us: their CPU is not counted
            result.update(timed_out=True, timeout_s=timeout_s, docs_per_s=None,
                          docs_per_s_lower_bound=round(docs / timeout_s, 1), recall=None)
            return result
        ok = m.returncode == 0 or (name.startswith("copytrace") and m.returncode == 1)
        if not ok:
            result.update(error=(m.stderr or m.stdout)[-2000:], docs_per_s=None, recall=None)
            return result
        reported, kinds = _reported_pairs(name, work)
        found = len(truth & reported)
        result.update(
            docs_per_s=round(docs / m.wall_s, 1),
            docs_per_cpu_s=round(docs / m.cpu_s, 1) if m.cpu_s else None,
            recall=round(found / len(truth), 4) if truth else None,
            planted_found=found,
            pairs_reported=len(reported),
            pairs_outside_truth=len(reported - truth),
        )
        if kinds:
            result["kinds"] = kinds
        if m.returncode == 1:
            result["stderr_tail"] = m.stderr[-500:]
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _faster(runs: list[dict]) -> dict:
    """The run with the highest docs/s (a run that failed or timed out counts as slowest), with every round's
    docs/s beside it."""
    best = max(runs, key=lambda r: r.get("docs_per_s") or 0.0)
    return {**best, "rounds_docs_per_s": [r.get("docs_per_s") for r in runs]} if len(runs) > 1 else best


def run(n_docs: int, contenders=CONTENDERS, timeout_s: float = 600.0, keep_dir: Path | None = None,
        deadline: float | None = None, rounds: int = 1) -> dict:
    """The speed benchmark. Each contender is capped at timeout_s; with a
    deadline (a time.perf_counter() value), each also gets at most a fair share
    of the time left: (deadline - now) / contenders still to run.

    With rounds > 1 the contenders run again in mirrored order (A B C D, then D C B A, ...) and each is reported by
    its faster round: on a shared machine whose speed drifts over a long run, no contender is always the one that
    runs last."""
    if not news_zip().is_file():
        return common.skipped(f"news articles not found at {news_zip()}")
    tmp = Path(tempfile.mkdtemp(prefix="ct-speed-corpus-")) if keep_dir is None else keep_dir
    try:
        start = time.perf_counter()
        info = build_corpus(n_docs, tmp)
        info["build_s"] = round(time.perf_counter() - start, 1)
        truth = {tuple(p) for p in json.loads((tmp / "truth.json").read_text())["pairs"]}
        out: dict = {"docs": info["docs"], "mb": info["mb"], "corpus": info,
                     "settings": {"threshold": LSH_THRESHOLD, "num_perm": NUM_PERM, "ngram": NGRAM,
                                  "rensa_bands": RENSA_BANDS, "timeout_s": timeout_s}}
        out["settings"]["rounds"] = rounds
        ct_reason = common.copytrace_importable()
        runnable = []
        for name in contenders:
            if name.startswith("copytrace") and ct_reason:
                out[name] = common.skipped(ct_reason)
                continue
            if name in ("datasketch", "rensa"):
                try:
                    __import__(name)
                except ImportError as exc:
                    out[name] = common.skipped(f"{name} not installed: {exc}")
                    continue
            runnable.append(name)
        order = [name for r in range(rounds) for name in (runnable if r % 2 == 0 else runnable[::-1])]
        runs: dict[str, list[dict]] = {name: [] for name in runnable}
        for position, name in enumerate(order):
            cap = timeout_s
            if deadline is not None:
                cap = min(cap, max(30.0, (deadline - time.perf_counter()) / (len(order) - position)))
            runs[name].append(run_contender(name, tmp / "corpus.jsonl", truth, info["docs"], round(cap)))
        out.update({name: _faster(r) for name, r in runs.items()})
        return out
    finally:
        if keep_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_contender":
        name, corpus, pairs_out = argv[1], Path(argv[2]), Path(argv[3])
        {"datasketch": contender_datasketch, "rensa": contender_rensa}[name](corpus, pairs_out)
        return
    ap = argparse.ArgumentParser(description="copytrace speed benchmark")
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--rounds", type=int, default=1, help="run the contenders this many times, in mirrored order")
    ap.add_argument("--build-only", type=Path, help="write the corpus to this folder and stop")
    args = ap.parse_args(argv)
    if args.build_only:
        print(json.dumps(build_corpus(args.docs, args.build_only), indent=2))
        return
    print(json.dumps(run(args.docs, tuple(args.contenders.split(",")), args.timeout, rounds=args.rounds), indent=2))


if __name__ == "__main__":
    main()
