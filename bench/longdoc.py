"""Long documents: what the semantic layer costs on texts of ~9 KB, against the lexical and spin layers (issue 15
item 3: on 230 essays and encyclopedia-like articles of ~9 KB, every layer took 8x the CPU time of lexical+spin,
nearly all of it embedding the sentences of a few candidate pairs of whole long documents). Goal: every layer at
most 3x the CPU time of lexical+spin, with no copy lost.

The corpus. DOSSIERS documents of at least DOSSIER_CHARS characters, each a run of real news articles
(NewsArticles.zip, the synthetic suite's loader) in date order, as a weekly digest prints them: digests of one week
report the same events from several outlets, so many pairs share names, quotes and reworded facts (same-story
candidates, the pairs that went to the embedding model whole). Articles the corpus already reuses elsewhere
(synthetic.tainted_articles) are left out. Planted copies, PLANTED of each kind, each from its own dossier:

- ``partial``: one article of the dossier, verbatim, among articles of no dossier;
- ``spun``: the whole dossier through the suite's spinner at SPIN_RATE;
- ``paraphrase``: the whole dossier through the suite's rule-based paraphrase;
- ``partial_spun``, ``partial_paraphrase``: 3-8 sentences of the dossier, spun or paraphrased, put between two
  paragraphs of a digest of articles of no dossier (synthetic.make_partial_disguised);
- ``translation``: a digest in one language made of the suite's hand-made translations (bench/data/translations,
  Latin-script languages) of TRANSLATED excerpts, whose source articles make one English dossier.

truth.json lists each planted pair (the dossier as ``a``) with its kind and the kind copytrace should report.
Nothing here tunes a threshold: it measures cost, and checks that each planted copy is still found.

The runner scans the corpus with ``copytrace scan --layers lexical,spin`` and ``--layers all`` (the semantic mode
``rationed``, as on a CPU) as their own subprocesses (common.run_measured: CPU time is user + system of the scan and
its workers), in mirrored rounds (L A, A L, ...) so a drift of the shared machine's speed falls on both; it reports
each layer set's minimum and median CPU time, the ratio of the medians, and per planted pair the kind each scan
reported (a copy is lost when the full scan misses a pair or calls it a non-copy).

    python bench/longdoc.py                        # build under a temporary folder, 3 rounds
    python bench/longdoc.py --rounds 1 --keep DIR  # keep the corpus and the scans' outputs in DIR
    python bench/longdoc.py --build-only DIR       # just write corpus.jsonl and truth.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import synthetic  # noqa: E402

SEED = 15
DOSSIERS = 200
DOSSIER_CHARS = 7000
PLANTED = 5
SPIN_RATE = 0.35
#: translated excerpts per foreign digest (their sources make one English dossier)
TRANSLATED = 3
TRANSLATION_LANGS = ("de", "fr", "es", "it", "pt", "nl")
#: what copytrace should report for each planted kind (DESIGN's fixed vocabulary)
REPORTED = {"partial": "partial", "spun": "spun", "paraphrase": "paraphrase", "partial_spun": "spun",
            "partial_paraphrase": "paraphrase", "translation": "translation"}
COPY_KINDS = frozenset({"exact", "near_duplicate", "partial", "spun", "paraphrase", "translation", "copy"})
LAYER_SETS = {"lexical_spin": "lexical,spin", "all": "all"}


def _digest(articles: list[synthetic.Article]) -> str:
    return "\n\n".join(f"{a.title}\n\n" + "\n\n".join(synthetic.paragraphs(a.text)) for a in articles)


def _as_article(doc_id: str, text: str, when: str | None) -> synthetic.Article:
    """A document as the suite's disguise functions take an article."""
    return synthetic.Article(doc_id, when, "", "", text)


def build_corpus(out_dir: Path, seed: int = SEED, dossiers: int = DOSSIERS, planted: int = PLANTED) -> dict | None:
    """Write out_dir/corpus.jsonl and out_dir/truth.json; None when the news data is missing."""
    if not synthetic.DEFAULT_NEWS_ZIP.exists():
        return None
    rng = random.Random(seed)
    arts = synthetic.load_articles()
    tainted = synthetic.tainted_articles()
    by_id = {a.article_id: a for a in arts}
    # translation digests first: their sources must be whole articles of one dossier
    entries = [e for e in synthetic.load_translations() if e.variant == "translation" and e.lang in TRANSLATION_LANGS
               and e.article_id not in tainted]
    used: set[str] = set()
    docs: list[dict] = []
    truth: list[dict] = []
    translated: list[tuple[str, list]] = []
    for lang in TRANSLATION_LANGS[:planted]:
        group = [e for e in entries if e.lang == lang and e.article_id not in used][:TRANSLATED]
        if len(group) < TRANSLATED:
            continue
        used.update(e.article_id for e in group)
        translated.append((lang, group))
    eligible = sorted((a for a in arts if a.article_id not in tainted and a.article_id not in used
                       and synthetic.MIN_SOURCE_WORDS <= a.n_words <= synthetic.MAX_SOURCE_WORDS),
                      key=lambda a: (a.date or "", a.article_id))
    # every other article not in a dossier hosts planted passages: dossiers take two in three, in date order
    pool = [a for k, a in enumerate(eligible) if k % 3 == 2]
    rows = [a for k, a in enumerate(eligible) if k % 3 != 2]
    dossier_articles: list[list[synthetic.Article]] = []
    for lang, group in translated:
        sources = [by_id[e.article_id] for e in group]
        while len(_digest(sources)) < DOSSIER_CHARS:
            sources.append(rows.pop())
        dossier_articles.append(sources)
    current: list[synthetic.Article] = []
    for a in rows:
        if len(dossier_articles) >= dossiers:
            break
        current.append(a)
        if len(_digest(current)) >= DOSSIER_CHARS:
            dossier_articles.append(current)
            current = []
    ids = [f"dossier-{k:03d}" for k in range(len(dossier_articles))]
    texts = [_digest(d) for d in dossier_articles]
    dates = [max(a.date or "" for a in d) or None for d in dossier_articles]
    docs += [{"id": i, "text": t, "date": w} for i, t, w in zip(ids, texts, dates)]

    for k, (lang, group) in enumerate(translated):
        foreign = "\n\n".join(e.path.read_text(encoding="utf-8").strip() for e in group)
        d_id = f"digest-{lang}"
        docs.append({"id": d_id, "text": foreign, "date": dates[k]})
        truth.append({"a": ids[k], "b": d_id, "kind": "translation", "lang": lang,
                      "articles": [e.article_id for e in group]})

    wn = synthetic.wordnet()
    sources = list(range(len(translated), len(ids)))
    rng.shuffle(sources)
    hosts = iter(pool)

    def host_digest() -> synthetic.Article:
        chosen: list[synthetic.Article] = []
        while len(_digest(chosen)) < DOSSIER_CHARS * 0.7:
            chosen.append(next(hosts))
        return _as_article("host", _digest(chosen), max(a.date or "" for a in chosen) or None)

    for kind in ("partial", "spun", "paraphrase", "partial_spun", "partial_paraphrase"):
        for n in range(planted):
            s = sources.pop()
            src = _as_article(ids[s], texts[s], dates[s])
            d_id = f"copy-{kind}-{n}"
            extra: dict = {}
            if kind == "partial":
                article = rng.choice(dossier_articles[s])
                host = host_digest()
                blocks = synthetic.paragraphs(host.text)
                text, span = synthetic.insert_block(blocks, _digest([article]), rng)
                extra = {"article": article.article_id}
            elif kind == "spun":
                text = synthetic.spin(src.text, SPIN_RATE, rng, wn).text
                extra = {"rate": SPIN_RATE}
            elif kind == "paraphrase":
                rewritten, ops = synthetic.paraphrase_sentences(synthetic.sentences(src.text), rng, wn)
                text = "\n\n".join(synthetic.group_paragraphs(rewritten))
                extra = {"ops": ops}
            else:
                how = kind.removeprefix("partial_")
                text, extra = synthetic.make_partial_disguised(src, host_digest(), how, rng, wn, rate=SPIN_RATE)
                extra.pop("host", None)
            docs.append({"id": d_id, "text": text, "date": dates[s]})
            truth.append({"a": ids[s], "b": d_id, "kind": kind, **extra})
    for t in truth:
        t["reported_as"] = REPORTED[t["kind"]]
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False), encoding="utf-8")
    chars = [len(d["text"]) for d in docs]
    return {"documents": len(docs), "planted": len(truth), "mean_chars": round(statistics.mean(chars)),
            "median_chars": statistics.median(chars), "mb": round(sum(chars) / 1e6, 2)}


def score(pairs_path: Path, truth: list[dict]) -> dict:
    """Per planted pair, the kind the scan reported (None: not reported); and the copy and same-story pairs it
    reported outside the truth."""
    reported = {common.pair_key(p["a"], p["b"]): p["kind"] for p in common.read_jsonl(pairs_path)}
    planted = {common.pair_key(t["a"], t["b"]) for t in truth}
    found = {f"{t['a']} {t['b']}": reported.get(common.pair_key(t["a"], t["b"])) for t in truth}
    by_kind: dict[str, dict] = {}
    for t in truth:
        got = reported.get(common.pair_key(t["a"], t["b"]))
        k = by_kind.setdefault(t["kind"], {"n": 0, "found": 0, "kind_right": 0})
        k["n"] += 1
        k["found"] += got in COPY_KINDS
        k["kind_right"] += got == t["reported_as"]
    others = [kind for key, kind in reported.items() if key not in planted]
    return {"found": sum(v["found"] for v in by_kind.values()), "planted": len(truth), "by_kind": by_kind,
            "pairs": found, "other_copy_pairs": sum(k in COPY_KINDS for k in others),
            "other_pairs": len(others)}


def scan(corpus: Path, out: Path, layers: str, timeout_s: float) -> common.Measured:
    cmd = [*common.copytrace_cli(), "scan", str(corpus), "--out", str(out), "--layers", layers,
           "--semantic", "rationed", "--device", "cpu", "--date-field", "date", "-q"]
    return common.run_measured(cmd, timeout_s)


def run(rounds: int = 3, work: Path | None = None, timeout_s: float = 1800) -> dict:
    if (reason := common.copytrace_importable()) is not None:
        return common.skipped(reason)
    with tempfile.TemporaryDirectory(prefix="ct-longdoc-") as tmp:
        work = work or Path(tmp)
        corpus_info = build_corpus(work)
        if corpus_info is None:
            return common.skipped(f"news data missing: {synthetic.DEFAULT_NEWS_ZIP}")
        truth = json.loads((work / "truth.json").read_text(encoding="utf-8"))
        cpu: dict[str, list[float]] = {k: [] for k in LAYER_SETS}
        wall: dict[str, list[float]] = {k: [] for k in LAYER_SETS}
        scores: dict[str, dict] = {}
        for r in range(rounds):
            order = list(LAYER_SETS) if r % 2 == 0 else list(reversed(LAYER_SETS))
            for name in order:
                m = scan(work / "corpus.jsonl", work / f"scan-{name}", LAYER_SETS[name], timeout_s)
                if m.returncode != 0 or m.timed_out:
                    return {"error": f"scan --layers {LAYER_SETS[name]} failed ({m.returncode}): {m.stderr[-2000:]}"}
                cpu[name].append(m.cpu_s)
                wall[name].append(round(m.wall_s, 2))
                scores[name] = score(work / f"scan-{name}" / "pairs.jsonl", truth)
        med = {k: statistics.median(v) for k, v in cpu.items()}
        lost = [p for p, kind in scores["all"]["pairs"].items() if kind not in COPY_KINDS]
        return {
            "corpus": corpus_info, "rounds": rounds, "loadavg_1m_before": os.getloadavg()[0],
            "cpu_s": cpu, "wall_s": wall,
            "cpu_s_min": {k: min(v) for k, v in cpu.items()}, "cpu_s_median": med,
            "ratio_all_to_lexical_spin": round(med["all"] / med["lexical_spin"], 2),
            "goal_ratio": 3.0, "copies_lost_by_all": lost, "scores": scores,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="scans of each layer set, in mirrored order")
    ap.add_argument("--keep", type=Path, help="build and scan in this folder, and keep it")
    ap.add_argument("--build-only", type=Path, metavar="DIR", help="only write DIR/corpus.jsonl and DIR/truth.json")
    ap.add_argument("--out", type=Path, help="also write the result as JSON here")
    args = ap.parse_args(argv)
    if args.build_only:
        info = build_corpus(args.build_only)
        print(json.dumps(info if info is not None else common.skipped("news data missing"), indent=1))
        return 0
    result = run(args.rounds, args.keep)
    if "error" in result:
        print(result["error"], file=sys.stderr)
        return 1
    if result.get("skipped"):
        print(f"skipped: {result['reason']}")
        return 0
    print(f"corpus: {result['corpus']}")
    for name, layers in LAYER_SETS.items():
        s = result["scores"][name]
        print(f"--layers {layers:13} CPU s {result['cpu_s'][name]} (median {result['cpu_s_median'][name]:.2f}), "
              f"planted found {s['found']}/{s['planted']}, other copy pairs {s['other_copy_pairs']}, "
              f"other pairs {s['other_pairs']}")
    print(f"all / lexical+spin CPU (medians): {result['ratio_all_to_lexical_spin']} (goal <= 3)")
    for name in LAYER_SETS:
        print(f"{name}: " + ", ".join(f"{k} {v['found']}/{v['n']} ({v['kind_right']} right kind)"
                                      for k, v in result["scores"][name]["by_kind"].items()))
    for pair, kind in result["scores"]["all"]["pairs"].items():
        print(f"  {pair}: all={kind} lexical_spin={result['scores']['lexical_spin']['pairs'][pair]}")
    if result["copies_lost_by_all"]:
        print(f"lost by every layer: {result['copies_lost_by_all']}")
    common.report(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
