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

import re
from dataclasses import dataclass

import numpy as np

from copytrace.align.view import TextView
from copytrace.candidates.groups import distinct_holdings
from copytrace.fingerprint.tokens import shingle_hashes
from copytrace.fingerprint.words import is_function

# A sentence ends at . ! ? (with closing quotes or brackets) before a capital, digit or opening quote, or at a line
# break. Scraped pages often lose the break between paragraphs to a dash ("the shooting.- Authorities", "trade
# deal. - David Davis") or with no space at all ("he said.According to"), which ends a sentence too. Initials
# ("Laura K. Cooper") and common abbreviations do not.
# Chinese and Japanese full stops, and the Devanagari and Arabic ones, end a sentence wherever they stand. A new
# sentence opens with a capital (Latin, Greek, Cyrillic), a digit, or a letter of a script without case.
_SENTENCE_OPENER = "A-Z0-9À-ÖØ-ÞΑ-ΩА-ЯЁ\u0590-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u9fff\uac00-\ud7af"
_BOUNDARY = re.compile(
    r"[.!?][\"”’'“»›)\]]*(?:\s*[-–—]+\s*|\s+)(?=[\"“‘'„«‹¿¡(\[]?[" + _SENTENCE_OPENER + r"])"
    r"|(?<=[a-z][a-z])[.!?][”’]?(?=[\"“]?[A-Z][a-z])"  # the space lost too: "he said.According to"
    r"|[。！？।؟][”’」』）)]*\s*|\n\s*"
)
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr no vs gen gov sen rep lt col capt prof inc co corp ltd mt ft u.s u.k e.g i.e jan feb "
    "aug sept sep oct nov dec".split()
)
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?]$")
_MONTH_AFTER_ORDINAL = re.compile(
    r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
)

SKELETON_GRAM = 3
#: a sentence needs this many skeleton trigrams / content words to be compared on them at all.
MIN_SKELETON_GRAMS = 3
MIN_CONTENT_WORDS = 3
#: a spun sentence keeps its function-word order: most of its skeleton trigrams recur in its source sentence,
#: and some content words (those the spinner left) with them.
SPIN_SKELETON_DICE = 0.5
SPIN_CONTENT_DICE = 0.1
#: a reworded sentence keeps most of its content words.
PARAPHRASE_CONTENT_DICE = 0.45
#: embedding match: cosine at least this, and this much above the mean of each side's K nearest other sentences.
#: Tune split: a translated sentence meets its source at 0.6-0.92; sentences of independent same-language reports
#: of one event reach 0.6-0.86 too, but rarely 0.8 (the figure METHODS.md reports), hence a higher bar within a
#: language.
CROSS_LANGUAGE_MIN_COSINE = 0.6
SAME_LANGUAGE_MIN_COSINE = 0.8
#: a translated sentence between two matched ones, where the source's order puts it, needs less: tune split, 0.47-0.58
#: for sentences a translator split or that the model renders poorly (Japanese, Chinese).
ORDERED_MIN_COSINE = 0.45
EMBEDDING_MIN_MARGIN = 1.1
MARGIN_NEIGHBOURS = 3


@dataclass
class SentenceTable:
    """A document's sentences as token ranges, and the (sentence, key) sets each is compared on."""

    bounds: np.ndarray  # (n, 2) token ranges [start, end)
    skeleton: tuple[np.ndarray, np.ndarray]  # (sentence index, key) rows, each key once per sentence
    content: tuple[np.ndarray, np.ndarray]
    chars: np.ndarray  # story characters of each sentence, quotes excluded

    def __len__(self) -> int:
        return len(self.bounds)


def sentence_starts(text: str) -> np.ndarray:
    """Character offsets where a new sentence begins."""
    starts = [0]
    for m in _BOUNDARY.finditer(text):
        if m.group()[0].isspace():
            starts.append(m.end())
            continue
        before = _WORD_BEFORE.search(text, max(0, m.start() - 20), m.start() + 1)
        word = before.group(1).lower().rstrip(".") if before else ""
        if (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS:
            continue
        if word.isdigit() and len(word) <= 2 and _MONTH_AFTER_ORDINAL.match(text, m.end()):
            continue  # a German date, "am 15. März"
        starts.append(m.end())
    return np.array(sorted(set(starts)), dtype=np.int64)


def sentence_table(view: TextView) -> SentenceTable:
    n_tok = len(view)
    if n_tok == 0:
        empty = (np.zeros(0, np.int64), np.zeros(0, np.uint64))
        return SentenceTable(np.zeros((0, 2), np.int64), empty, empty, np.zeros(0, np.int64))
    sentence_of = np.searchsorted(sentence_starts(view.text), view.starts, side="right") - 1
    cuts = np.flatnonzero(np.diff(sentence_of)) + 1
    bounds = np.stack([np.concatenate(([0], cuts)), np.concatenate((cuts, [n_tok]))], axis=1)
    sentence = np.repeat(np.arange(len(bounds)), bounds[:, 1] - bounds[:, 0])
    usable = view.story & ~view.in_quote
    function = is_function(view.hashes)
    sentence_initial = np.zeros(n_tok, bool)
    sentence_initial[bounds[:, 0]] = True

    # skeleton trigrams: sentences play the part of documents, so n-grams never cross a sentence border
    keep = function & usable
    f_hashes, f_sentence = view.hashes[keep], sentence[keep]
    f_offsets = np.searchsorted(f_sentence, np.arange(len(bounds) + 1))
    grams, g_offsets = shingle_hashes(f_hashes, f_offsets, SKELETON_GRAM)
    g_sentence = np.repeat(np.arange(len(bounds)), np.diff(g_offsets))
    skeleton = distinct_holdings(g_sentence, grams)

    content_token = usable & ~function & ~view.numeric & (~view.capitalised | sentence_initial)
    content = distinct_holdings(sentence[content_token], view.hashes[content_token])
    chars = np.add.reduceat(np.where(usable, view.token_chars, 0), bounds[:, 0])
    return SentenceTable(bounds, skeleton, content, chars)


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


def margin_scores(cos: np.ndarray, k: int = MARGIN_NEIGHBOURS) -> np.ndarray:
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


def match_sentences(
    ta: SentenceTable, tb: SentenceTable, emb_a: np.ndarray | None = None, emb_b: np.ndarray | None = None,
    min_cosine: float = SAME_LANGUAGE_MIN_COSINE,
) -> list[SentenceMatch]:
    """Each sentence's best counterpart on the other side, by skeleton, content or meaning, one-to-one."""
    if len(ta) == 0 or len(tb) == 0:
        return []
    skel = _dice(ta.skeleton, tb.skeleton, len(ta), len(tb), MIN_SKELETON_GRAMS)
    cont = _dice(ta.content, tb.content, len(ta), len(tb), MIN_CONTENT_WORDS)
    spun = (skel >= SPIN_SKELETON_DICE) & (cont >= SPIN_CONTENT_DICE)
    reworded = cont >= PARAPHRASE_CONTENT_DICE
    score = np.where(spun, (skel + cont) / 2, 0.0)
    score = np.maximum(score, np.where(reworded, cont, 0.0))
    how = np.where(spun, 0, np.where(reworded, 1, -1))
    if emb_a is not None and emb_b is not None and len(emb_a) and len(emb_b):
        cos = emb_a @ emb_b.T
        meaning = (cos >= min_cosine) & (margin_scores(cos) >= EMBEDDING_MIN_MARGIN)
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
        out.append(SentenceMatch(i, j, float(score[i, j]), ("skeleton", "content", "meaning")[how[i, j]]))
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
                         long_is_a: bool, floor: float = ORDERED_MIN_COSINE) -> list[SentenceMatch]:
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
    import bisect

    for j in js:  # non-decreasing: sentences split in translation share a counterpart
        k = bisect.bisect_right(tails, j)
        if k == len(tails):
            tails.append(j)
        else:
            tails[k] = j
    return len(tails) / len(js)


def sentence_text(view: TextView, table: SentenceTable, k: int) -> str:
    s, e = table.bounds[k]
    return view.text[int(view.starts[s]):int(view.ends[e - 1])]
