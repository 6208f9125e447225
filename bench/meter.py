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

``--protocol clough2002`` scores the same features the way that paper did, so
the number is comparable with 0.664: both domains pooled, a naive Bayes
classifier over several similarity features with the features chosen
automatically (forward selection inside each training fold), stratified 10-fold
cross-validation, average F1 = the mean of the three classes' F1 over the
pooled out-of-fold predictions. What still differs from the paper is listed in
``CLOUGH2002_DIFFERENCES`` and printed with the result.
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
PROTOCOLS = ("split", "clough2002")  # split: tune on courts, report showbiz (the default)
CT_FEATURES = ["coverage_max_copy", "coverage_union_copy", "coverage_max", "coverage_union", "verbatim_weighted"]
MH_FEATURES = ["containment_max", "containment_union", "jaccard_max"]
CLOUGH2002_DIFFERENCES = (
    "features: copytrace's per-pair outputs (coverage of the article by aligned passages, max and union over its PA "
    "sources, with and without same_story pairs, verbatim-weighted coverage; the best pair score and the largest share of a "
    "PA source inside passages; any copy kind reported; any pair reported) instead of the paper's n-gram containment, Greedy String Tiling and sentence-alignment scores",
    "articles: every gold-labelled article of the released corpus (file_index, both domains, 945) with all PA files "
    "of its story as candidate sources; the paper's exact article subset and its handling of multi-source articles "
    "were not verified (only its abstract was readable here)",
    "classifier: our own Gaussian naive Bayes (numpy; per-class normal densities, variances floored), not the paper's "
    "implementation; feature subset chosen per training fold by greedy forward selection on inner 5-fold macro-F1",
    "folds: stratified 10-fold with a fixed seed (0); the paper's fold assignment is not published",
)


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
            "score_max": max((r["score"] for r in reported), default=0.0),
            "source_coverage_max": max((r["coverage_a"] for r in reported), default=0.0),
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


def _nb_vectors(feats: list[dict], names: list[str]):
    import numpy as np

    return np.array([[float(f[n]) for n in names] for f in feats], dtype=float)


def with_kind_flags(feats: list[dict]) -> list[dict]:
    """copytrace's kinds as two 0/1 features: any copy kind reported with a source, any pair reported at all."""
    return [{**f, "any_copy": float(any(k in common.COPY_KINDS for k in f["kinds"])),
             "any_pair": float(bool(f["kinds"]))} for f in feats]


class GaussianNB:
    """Naive Bayes over continuous features: each class a product of independent normals, priors from the
    training counts. Variances are floored at 1e-3 of the largest feature variance (plus 1e-9) so a
    feature constant within a class (a 0/1 flag, a zero coverage) does not make a density infinite."""

    def fit(self, X, y: list[str]) -> "GaussianNB":
        import numpy as np

        self.labels = [c for c in LABELS if c in set(y)]
        y_arr = np.array(y)
        floor = 1e-3 * float(X.var(axis=0).max(initial=0.0)) + 1e-9
        self.mean = np.array([X[y_arr == c].mean(axis=0) for c in self.labels])
        self.var = np.array([X[y_arr == c].var(axis=0) for c in self.labels]) + floor
        self.log_prior = np.log(np.array([(y_arr == c).mean() for c in self.labels]))
        return self

    def predict(self, X) -> list[str]:
        import numpy as np

        ll = -0.5 * (np.log(2 * np.pi * self.var)[None] + (X[:, None, :] - self.mean[None]) ** 2 / self.var[None]).sum(2)
        return [self.labels[i] for i in np.argmax(ll + self.log_prior[None], axis=1)]


def stratified_folds(gold: list[str], k: int, seed: int = 0) -> list[int]:
    """fold[i] for each item: each class shuffled (fixed seed) and dealt round-robin, so every fold holds each
    class in proportion."""
    import random

    rng = random.Random(seed)
    fold = [0] * len(gold)
    for label in LABELS:
        idx = [i for i, g in enumerate(gold) if g == label]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold[i] = j % k
    return fold


def _cv_predict(X, gold: list[str], folds: list[int], columns: list[int], k: int) -> list[str]:
    pred = [""] * len(gold)
    for f in range(k):
        train = [i for i in range(len(gold)) if folds[i] != f]
        test = [i for i in range(len(gold)) if folds[i] == f]
        if not test:
            continue
        model = GaussianNB().fit(X[train][:, columns], [gold[i] for i in train])
        for i, p in zip(test, model.predict(X[test][:, columns])):
            pred[i] = p
    return pred


def select_features(X, gold: list[str], names: list[str], inner_k: int = 5, seed: int = 1) -> list[str]:
    """Greedy forward selection: add the feature that most raises naive Bayes' macro-F1 under inner
    cross-validation on these items only; stop when none raises it."""
    inner_k = max(2, min(inner_k, min(gold.count(c) for c in set(gold))))
    folds = stratified_folds(gold, inner_k, seed)
    chosen: list[int] = []
    best = -1.0
    while len(chosen) < len(names):
        scores = [(common.macro_f1(gold, _cv_predict(X, gold, folds, chosen + [j], inner_k), LABELS), -j)
                  for j in range(len(names)) if j not in chosen]
        score, neg_j = max(scores)
        if score <= best + 1e-9:
            break
        best, chosen = score, chosen + [-neg_j]
    return [names[j] for j in chosen]


def naive_bayes_scores(gold: list[str], pred: list[str]) -> dict:
    copied_gold, copied_pred = [g != LABELS[0] for g in gold], [p != LABELS[0] for p in pred]
    return {
        "macro_f1": round(common.macro_f1(gold, pred, LABELS), 4),
        "binary_f1": round(common.binary_f1(copied_gold, copied_pred), 4),
        "f1_per_class": {k: round(v, 4) for k, v in common.f1_per_class(gold, pred, LABELS).items()},
        "confusion": common.confusion(gold, pred, LABELS),
        "n": len(gold),
    }


def cross_validate(feats: list[dict], gold: list[str], names: list[str], k: int = 10, seed: int = 0) -> dict:
    """The paper's evaluation: stratified k-fold; in each fold the features are selected and naive Bayes trained
    on the other folds only. Average F1 is the mean of the classes' F1 over all out-of-fold predictions (also
    given per fold, with its mean)."""
    X = _nb_vectors(feats, names)
    k = max(2, min(k, min(gold.count(c) for c in LABELS)))
    folds = stratified_folds(gold, k, seed)
    pred = [""] * len(gold)
    chosen_per_fold, fold_f1 = [], []
    for f in range(k):
        train = [i for i in range(len(gold)) if folds[i] != f]
        test = [i for i in range(len(gold)) if folds[i] == f]
        train_gold = [gold[i] for i in train]
        chosen = select_features(X[train], train_gold, names)
        cols = [names.index(n) for n in chosen]
        model = GaussianNB().fit(X[train][:, cols], train_gold)
        fold_pred = model.predict(X[test][:, cols])
        for i, p in zip(test, fold_pred):
            pred[i] = p
        chosen_per_fold.append(chosen)
        fold_f1.append(common.macro_f1([gold[i] for i in test], fold_pred, LABELS))
    out = naive_bayes_scores(gold, pred)
    out.update({
        "folds": k,
        "macro_f1_per_fold": [round(x, 4) for x in fold_f1],
        "macro_f1_mean_over_folds": round(sum(fold_f1) / k, 4),
        "features_chosen_per_fold": chosen_per_fold,
    })
    return out


def train_test(tune_feats: list[dict], tune_gold: list[str], test_feats: list[dict], test_gold: list[str],
               names: list[str]) -> dict:
    """Naive Bayes with forward-selected features trained on the tuning split only, scored on the test split."""
    X_tune = _nb_vectors(tune_feats, names)
    chosen = select_features(X_tune, tune_gold, names)
    cols = [names.index(n) for n in chosen]
    model = GaussianNB().fit(X_tune[:, cols], tune_gold)
    out = naive_bayes_scores(test_gold, model.predict(_nb_vectors(test_feats, names)[:, cols]))
    out["features_chosen"] = chosen
    return out


def run_clough2002(layers=common.ALL_LAYERS, workers: int = 2, limit: int | None = None,
                   budget_s: float | None = None, folds: int = 10) -> dict:
    """METER under the protocol of Clough et al. (2002): all labelled articles of both domains, naive Bayes with
    automatic feature selection, stratified `folds`-fold cross-validation, average F1 over the three classes.
    The same features also give naive Bayes trained on courts and scored on showbiz, and the default protocol's
    figure (`evaluate`), so all three are from one run. `limit` keeps the first `limit` articles of each label in each
    domain (a smoke test), never used for reported figures."""
    root = meter_dir()
    if not (root / "file_index").is_dir():
        return common.skipped(f"METER data not found under {root}")
    tune, test = load(TUNE_DOMAIN, root), load(TEST_DOMAIN, root)
    if limit:
        tune, test = ([a for c in LABELS for a in [x for x in split if x.label == c][:limit]] for split in (tune, test))
    articles = tune + test
    gold = [a.label for a in articles]
    out: dict = {
        "protocol": "clough2002",
        "n": len(articles),
        "n_by_label": {c: gold.count(c) for c in LABELS},
        "n_by_domain": {TUNE_DOMAIN: len(tune), TEST_DOMAIN: len(test)},
        "articles_with_several_sources": sum(1 for a in articles if len(a.sources) > 1),
        "articles_without_sources": sum(1 for a in articles if not a.sources),
        "published_anchor": {"macro_f1": PUBLISHED_MACRO_F1, "source": "Clough et al., ACL 2002",
                             "protocol": "naive Bayes, features selected automatically, 10-fold cross-validation, "
                                         "average F1 over wholly / partially / non-derived"},
        "differences_from_paper": list(CLOUGH2002_DIFFERENCES),
        "peers": {},
    }
    n_tune = len(tune)
    mh = minhash_features(articles)
    out["peers"]["minhash"] = cross_validate(mh, gold, MH_FEATURES, folds)
    reason = common.copytrace_importable()
    if reason:
        out.update(common.skipped(reason))
        return out
    try:
        ct, info = copytrace_features(articles, layers, workers, budget_s)
    except common.BudgetExceeded as exc:
        out.update(common.skipped(str(exc)))
        return out
    ct = with_kind_flags(ct)
    names = CT_FEATURES + ["score_max", "source_coverage_max", "any_copy", "any_pair"]
    out.update(cross_validate(ct, gold, names, folds))
    out["layers"] = list(layers)
    out["copytrace_run"] = info
    out["naive_bayes_courts_to_showbiz"] = train_test(ct[:n_tune], gold[:n_tune], ct[n_tune:], gold[n_tune:], names)
    out["split_protocol_same_features"] = evaluate(ct[:n_tune], gold[:n_tune], ct[n_tune:], gold[n_tune:], CT_FEATURES)
    return out


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
    ap.add_argument("--protocol", choices=PROTOCOLS, default="split",
                    help="split: tune on courts, report showbiz (default); clough2002: the paper's protocol "
                         "(naive Bayes, feature selection, stratified 10-fold cross-validation over both domains)")
    args = ap.parse_args()
    layers = common.ALL_LAYERS if args.layers == "all" else tuple(args.layers.split(","))
    bench = run_clough2002 if args.protocol == "clough2002" else run
    print(json.dumps(bench(layers, args.workers, args.limit), indent=2))
