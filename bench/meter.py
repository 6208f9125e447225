"""METER: is a newspaper article wholly, partially or not derived from the
Press Association copy it could have used?

Each article under ``newspapers/rawtexts/<domain>/<date>/<catchline>/`` is
compared with every PA file under ``PA/rawtexts/<domain>/<date>/<catchline>/``
(its candidate sources). The derived side's coverage (the article's share
inside aligned passages) is taken as the max over sources and as the union
over sources; a pair copytrace does not report, or reports as ``same_story``,
counts as no coverage in the "copy" features. Two cuts on one feature map it to
non / partially / wholly derived; feature and cuts are chosen by grid search
maximising 3-class macro-F1 on ``courts`` and reported on ``showbiz``.

Published anchor: Clough, Gaizauskas, Piao, Wilks (ACL 2002): best 3-class
average F1 0.664.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import peers  # noqa: E402

LABELS = ("non", "partially", "wholly")  # ordinal: least to most derived
TUNE_DOMAIN, TEST_DOMAIN = "courts", "showbiz"
PUBLISHED_MACRO_F1 = 0.664


@dataclass
class Article:
    id: str  # path under the meter folder, e.g. newspapers/rawtexts/courts/...
    domain: str
    label: str
    text: str
    sources: list[tuple[str, str]] = field(default_factory=list)  # (id, cleaned PA text)


# PA wire copy carries transmission furniture: rules of dashes, a slug line with
# time, date, page and catchline, editorial notes "(reopens)", "(with pix)",
# a trailing "end" / "mf" / "mfl", "<" closing every paragraph, an HTML wrapper
# on one file, DEL/EM control characters, and `` '' for quotes.
_SLUG = re.compile(r"^\s*\d{1,2}:\d{2} \d{2}/\d{2}/\d{2}: Page \d+.*$")
_RULE = re.compile(r"^\s*-{10,}\s*$")
_TAG = re.compile(r"<[A-Za-z/!][^>\n]*>")
_NOTE = re.compile(r"^\s*\([^)]*\)?\s*$")
_END = re.compile(r"^\s*(end|ends|mf|mfl|more|ends\s+\w+)\b.*$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_pa(raw: str) -> str:
    text = _CONTROL.sub("", _TAG.sub("", raw))
    lines = text.split("\n")
    # header: everything up to the last rule/slug line among the first ones
    body_start = 0
    for i, line in enumerate(lines[:15]):
        if _RULE.match(line) or _SLUG.match(line):
            body_start = i + 1
    lines = lines[body_start:]
    paragraphs, current = [], []
    for line in lines:
        stripped = line.strip()
        ends_paragraph = stripped.endswith("<")
        stripped = stripped.rstrip("<").strip()
        if not paragraphs and not current and (not stripped or _NOTE.match(stripped)):
            continue  # editorial note before the headline
        if stripped:
            current.append(stripped)
        if (ends_paragraph or not stripped) and current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    while paragraphs and _END.match(paragraphs[-1]) and len(paragraphs[-1]) < 20:
        paragraphs.pop()
    text = "\n\n".join(paragraphs)
    return text.replace("``", '"').replace("''", '"')


def clean_newspaper(raw: str) -> str:
    text = _CONTROL.sub("", raw)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def meter_dir() -> Path:
    return common.data_root() / "meter"


def load(domain: str, root: Path | None = None) -> list[Article]:
    """The gold-labelled articles of one domain with their candidate PA sources."""
    root = root or meter_dir()
    articles = []
    pa_cache: dict[Path, list[tuple[str, str]]] = {}
    for label in LABELS:
        index = root / "file_index" / domain / f"{label}_derived.txt"
        for line in index.read_text(encoding="latin-1").splitlines():
            rel = line.strip().removeprefix("/").removeprefix("meter_corpus/")
            if not rel:
                continue
            path = root / rel
            if not path.is_file():
                raise FileNotFoundError(f"METER index names a missing file: {path}")
            parts = Path(rel).parts  # newspapers, rawtexts, domain, date, catchline, file
            story = Path(*parts[2:5])
            src_dir = root / "PA" / "rawtexts" / story
            if src_dir not in pa_cache:
                pa_cache[src_dir] = [
                    (str(p.relative_to(root)), clean_pa(common.read_text(p)))
                    for p in sorted(src_dir.glob("*.txt"))
                ] if src_dir.is_dir() else []
            articles.append(Article(rel, domain, label, clean_newspaper(common.read_text(path)), pa_cache[src_dir]))
    return articles


# ---------------------------------------------------------------- features


def copytrace_features(articles: list[Article], layers, workers: int, budget_s: float | None = None) -> tuple[list[dict], dict]:
    jobs = [(src_id, src_text, art.id, art.text) for art in articles for src_id, src_text in art.sources]
    start = time.perf_counter()
    results = common.compare_many(jobs, layers=layers, workers=workers, budget_s=budget_s)
    elapsed = time.perf_counter() - start
    by_article: dict[str, list[dict]] = {}
    for r in results:
        by_article.setdefault(r["b"], []).append(r)
    feats = []
    for art in articles:
        rs = [r for r in by_article.get(art.id, []) if not r.get("error")]
        copies = [r for r in rs if r["kind"] in common.COPY_KINDS]
        reported = [r for r in rs if r["kind"] is not None]
        feats.append({
            "coverage_max_copy": max((r["coverage_b"] for r in copies), default=0.0),
            "coverage_union_copy": common.covered_share(art.text, [s for r in copies for s in r["spans_b"]]),
            "coverage_max": max((r["coverage_b"] for r in reported), default=0.0),
            "coverage_union": common.covered_share(art.text, [s for r in reported for s in r["spans_b"]]),
            "verbatim_weighted": common.verbatim_weighted_share(
                art.text, [s for r in reported for s in r["spans_b"]], [x for r in reported for x in r.get("scores_b", [])]
            ),
            "kinds": sorted({r["kind"] for r in reported}),
        })
    info = common.summarise_errors(results)
    info["seconds"] = round(elapsed, 1)
    return feats, info


def minhash_features(articles: list[Article]) -> list[dict]:
    feats = []
    for art in articles:
        sims = [peers.minhash_similarity(src, art.text) for _, src in art.sources]
        feats.append({
            "containment_max": max((s[2] for s in sims), default=0.0),
            "containment_union": peers.minhash_union_containment(art.text, [s for _, s in art.sources]),
            "jaccard_max": max((s[0] for s in sims), default=0.0),
        })
    return feats


def evaluate(tune_feats, tune_gold, test_feats, test_gold, feature_names) -> dict:
    return common.evaluate_ordinal(tune_feats, tune_gold, test_feats, test_gold, feature_names, LABELS, "binary_f1")


def run(layers=common.ALL_LAYERS, workers: int = 2, limit: int | None = None, budget_s: float | None = None) -> dict:
    """The METER benchmark; `limit` keeps only the first articles of each split
    (a smoke test), never used for reported figures."""
    root = meter_dir()
    if not (root / "file_index").is_dir():
        return common.skipped(f"METER data not found under {root}")
    tune, test = load(TUNE_DOMAIN, root), load(TEST_DOMAIN, root)
    if limit:
        tune, test = tune[:limit], test[:limit]
    out: dict = {
        "split": {"tune": TUNE_DOMAIN, "test": TEST_DOMAIN, "n_tune": len(tune), "n_test": len(test)},
        "published_anchor": {"macro_f1": PUBLISHED_MACRO_F1, "source": "Clough et al., ACL 2002"},
        "articles_without_sources": sum(1 for a in tune + test if not a.sources),
        "peers": {},
    }
    test_f = common.score_two_splits(
        out, tune, test, evaluate, (minhash_features, ["containment_max", "containment_union", "jaccard_max"]),
        (copytrace_features, ["coverage_max_copy", "coverage_union_copy", "coverage_max", "coverage_union",
                              "verbatim_weighted"]),
        layers, workers, budget_s,
    )
    if test_f is None:
        return out
    out["test_kinds_by_gold"] = {
        g: _count_kinds(f["kinds"] for f, a in zip(test_f, test) if a.label == g) for g in LABELS
    }
    return out


def _count_kinds(kind_lists) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kinds in kind_lists:
        for k in kinds or ["(no pair)"]:
            counts[k] = counts.get(k, 0) + 1
    return counts


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    layers = common.ALL_LAYERS if args.layers == "all" else tuple(args.layers.split(","))
    print(json.dumps(run(layers, args.workers, args.limit), indent=2))
