"""Sentence-level alignment for copies that share few verbatim runs: spun, paraphrased and translated copies.

Each sentence is described three ways, quotations masked out (reports of one event share quotes legitimately):
- skeleton: trigrams of its function-word sequence. A spinner swaps content words and keeps these in order, so a
  spun sentence keeps nearly all of them while an unrelated sentence shares few (Stamatatos 2011);
- content: its lower-case content words (names excluded: independent reports share names);
- meaning: its multilingual sentence embedding (semantic layer only; computed lazily, once per document).
A sentence pair matches on skeleton, on content, or on meaning; each sentence of the shorter side keeps its best
match. For embeddings a match must also stand out from the sentence's other neighbours (margin scoring, Artetxe
and Schwenk 2019), because sentences of one story resemble each other in any language.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from copytrace.config import DEFAULTS, AlignConfig
from copytrace.text.sentences import SentenceTable


def _dice(rows_a: tuple[np.ndarray, np.ndarray], rows_b: tuple[np.ndarray, np.ndarray], m: int, n: int,
          min_size: int) -> np.ndarray:
    """(m, n) Dice coefficients between the sentences' key sets; 0 where either set is smaller than min_size."""
    sa, ka = rows_a
    sb, kb = rows_b
    out = np.zeros((m, n))
    if m == 0 or n == 0 or len(ka) == 0 or len(kb) == 0:
        return out
    size_a = np.bincount(sa, minlength=m)
    size_b = np.bincount(sb, minlength=n)
    order = np.argsort(kb, kind="stable")
    kb_sorted, sb_sorted = kb[order], sb[order]
    lo = np.searchsorted(kb_sorted, ka, "left")
    count = np.searchsorted(kb_sorted, ka, "right") - lo
    i = np.repeat(sa, count)
    within = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    j = sb_sorted[np.repeat(lo, count) + within]
    inter = np.bincount(i * n + j, minlength=m * n).reshape(m, n)
    total = size_a[:, None] + size_b[None, :]
    ok = (size_a[:, None] >= min_size) & (size_b[None, :] >= min_size)
    np.divide(2 * inter, total, out=out, where=ok & (total > 0))
    return out


def margin_scores(cos: np.ndarray, k: int) -> np.ndarray:
    """Ratio margin: cos(x, y) over the mean of x's and y's k best cosines (Artetxe and Schwenk 2019)."""
    if cos.size == 0:
        return cos
    ka, kb = min(k, cos.shape[1]), min(k, cos.shape[0])
    nn_a = np.sort(cos, axis=1)[:, -ka:].mean(axis=1)
    nn_b = np.sort(cos, axis=0)[-kb:, :].mean(axis=0)
    return cos / np.maximum((nn_a[:, None] + nn_b[None, :]) / 2, 1e-6)


@dataclass
class SentenceMatch:
    i: int  # sentence of A
    j: int  # sentence of B
    score: float
    how: str  # "skeleton" | "content" | "meaning"
    #: the two sentences meet the spinner's bars (spin_skeleton_dice, spin_content_dice), whatever matched them
    spun: bool = False


def match_sentences(
    ta: SentenceTable, tb: SentenceTable, emb_a: np.ndarray | None = None, emb_b: np.ndarray | None = None,
    min_cosine: float | None = None, config: AlignConfig = DEFAULTS.align,
) -> list[SentenceMatch]:
    """Each sentence's best counterpart on the other side, by skeleton, content or meaning, one-to-one. Embeddings
    match at min_cosine (default: the same-language bar)."""
    if min_cosine is None:
        min_cosine = config.same_language_min_cosine
    if len(ta) == 0 or len(tb) == 0:
        return []
    skel = _dice(ta.skeleton, tb.skeleton, len(ta), len(tb), config.min_skeleton_grams)
    cont = _dice(ta.content, tb.content, len(ta), len(tb), config.min_content_words)
    spun = (skel >= config.spin_skeleton_dice) & (cont >= config.spin_content_dice)
    reworded = cont >= config.paraphrase_content_dice
    score = np.where(spun, (skel + cont) / 2, 0.0)
    score = np.maximum(score, np.where(reworded, cont, 0.0))
    how = np.where(spun, 0, np.where(reworded, 1, -1))
    if emb_a is not None and emb_b is not None and len(emb_a) and len(emb_b):
        cos = emb_a @ emb_b.T
        meaning = (cos >= min_cosine) & (margin_scores(cos, config.margin_neighbours) >= config.embedding_min_margin)
        # quoted or furniture-only sentences carry no evidence of their own
        meaning &= (ta.chars[:, None] > 0) & (tb.chars[None, :] > 0)
        better = meaning & (cos > score)
        score = np.where(better, cos, score)
        how = np.where(better, 2, how)
    # greedy one-to-one by score: a sentence pairs once, so repeated boilerplate-like sentences cannot pile up
    order = np.argsort(-score, axis=None)
    used_a, used_b, out = set(), set(), []
    for flat in order.tolist():
        i, j = divmod(flat, score.shape[1])
        if score[i, j] <= 0:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append(SentenceMatch(i, j, float(score[i, j]), ("skeleton", "content", "meaning")[how[i, j]],
                                 bool(spun[i, j])))
    return sorted(out, key=lambda s: s.i)


def _order_boxes(matches: list[SentenceMatch], n_long: int, n_short: int,
                 long_is_a: bool) -> list[tuple[int, int, int, int]]:
    """Where a translation that keeps its source's order puts the shorter side's unmatched sentences: boxes of
    (first, last unmatched sentence of the shorter side, first, last sentence of the longer side), inclusive.
    Between two matched sentences: between their counterparts, bounds included (a split sentence shares one), unless
    the counterparts lie further apart than twice (and two more) the unmatched sentences. Before the first / after
    the last: as many (and one more) as are unmatched there."""
    pairs = sorted((m.j, m.i) if long_is_a else (m.i, m.j) for m in matches)  # (shorter's, longer's)
    if not pairs:
        return []
    (s_first, l_first), (s_last, l_last) = pairs[0], pairs[-1]
    boxes = []
    if s_first:
        boxes.append((0, s_first - 1, max(0, l_first - s_first - 1), l_first))
    if s_last < n_short - 1:
        boxes.append((s_last + 1, n_short - 1, l_last, min(n_long - 1, l_last + n_short - s_last)))
    for (s0, l0), (s1, l1) in zip(pairs, pairs[1:]):
        missing = s1 - s0 - 1
        if missing and 0 <= l1 - l0 - 1 <= 2 * missing + 2:
            boxes.append((s0 + 1, s1 - 1, l0, l1))
    return boxes


def beside_matches(matches: list[SentenceMatch], n_long: int, n_short: int, long_is_a: bool) -> np.ndarray:
    """The longer side's sentences, not matched yet, where the shorter side's unmatched sentences can sit
    (`_order_boxes`)."""
    wanted = np.zeros(n_long, bool)
    for _, _, lo, hi in _order_boxes(matches, n_long, n_short, long_is_a):
        wanted[lo:hi + 1] = True
    wanted[[m.i if long_is_a else m.j for m in matches]] = False
    return wanted


def fill_between_matches(matches: list[SentenceMatch], cos: np.ndarray, usable_a: np.ndarray, usable_b: np.ndarray,
                         long_is_a: bool, floor: float = DEFAULTS.align.ordered_min_cosine) -> list[SentenceMatch]:
    """A translation keeps its source's order: a sentence of the shorter side left unmatched is matched, in order,
    to the best of the longer side's sentences where the order puts it (`_order_boxes`), at `floor` cosine or more,
    without the margin test. Its counterpart may already be matched: translators split and merge sentences, so
    here several may share one. `cos` is (A, B); `usable_*` marks sentences with story text of their own. Only where
    at least two sentences matched, in order: one match, or matches out of order, are no evidence of an order."""
    if len(matches) < 2 or in_order_share(matches) < 1.0:
        return matches
    sim = cos if long_is_a else cos.T  # (longer, shorter)
    usable_long, usable_short = (usable_a, usable_b) if long_is_a else (usable_b, usable_a)
    added = []
    for lo_s, hi_s, lo_l, hi_l in _order_boxes(matches, *sim.shape, long_is_a):
        low = lo_l
        for k in range(lo_s, hi_s + 1):
            if not usable_short[k]:
                continue
            row = np.where(usable_long[low:hi_l + 1], sim[low:hi_l + 1, k], -1.0)
            best = int(np.argmax(row))
            if row[best] >= floor:
                low += best
                i, j = (low, k) if long_is_a else (k, low)
                added.append(SentenceMatch(i, j, float(row[best]), "meaning"))
    return sorted(matches + added, key=lambda m: (m.i, m.j))


def in_order_share(matches: list[SentenceMatch]) -> float:
    """Share of matches on the longest chain increasing in both texts (1.0: the copy keeps the source's order)."""
    if not matches:
        return 0.0
    js = [m.j for m in sorted(matches, key=lambda m: (m.i, m.j))]
    tails: list[int] = []
    for j in js:  # non-decreasing: sentences split in translation share a counterpart
        k = bisect.bisect_right(tails, j)
        if k == len(tails):
            tails.append(j)
        else:
            tails[k] = j
    return len(tails) / len(js)



def sentence_blocks(matches: list[SentenceMatch], max_gap: int, counted_a: np.ndarray | None = None,
                    counted_b: np.ndarray | None = None) -> list[list[SentenceMatch]]:
    """Matches that lie close together in both texts, in clusters (single linkage, as Sanchez-Perez et al. 2014
    cluster their seeds): two matches are linked when at most max_gap sentences lie between them on each side,
    counting only the `counted` ones where given (a quotation inside a passage carries no evidence, nor breaks it;
    furniture does). A
    passage copied in disguise is such a cluster, its sentences in nearly the source's order; two reports of one
    event share a reworded fact here and there, far apart. Clusters in order of their first sentence of A."""
    ordered = sorted(matches, key=lambda m: (m.i, m.j))
    rank_a = np.arange(max((m.i for m in ordered), default=0) + 1) if counted_a is None else np.cumsum(counted_a)
    rank_b = np.arange(max((m.j for m in ordered), default=0) + 1) if counted_b is None else np.cumsum(counted_b)
    pos = [(int(rank_a[m.i]), int(rank_b[m.j])) for m in ordered]
    parent = list(range(len(ordered)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    reach = max_gap + 1
    for k, (i, j) in enumerate(pos):
        for q in range(k - 1, -1, -1):  # earlier matches by i: only those within reach of i can link
            if i - pos[q][0] > reach:
                break
            if abs(j - pos[q][1]) <= reach:
                parent[root(k)] = root(q)
    clusters: dict[int, list[SentenceMatch]] = {}
    for k, m in enumerate(ordered):
        clusters.setdefault(root(k), []).append(m)
    return list(clusters.values())
