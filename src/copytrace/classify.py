"""Kind of a pair, from its alignment's evidence: the kinds of DESIGN.md, each passage's kind, each side's coverage.

Exact and near-duplicate copies stand on verbatim evidence; a sentence alignment that covers clearly more than the
verbatim passages names a disguised copy (spun, paraphrase, translation); so does a block of a few sentences matched
close together and in order in both texts, a disguised passage inside otherwise different texts (its coverage then
partial: is_partial_copy); shared quotations and a few reworded sentences here and there make two texts the same
story, never a copy. The numbers are ClassifyConfig's (config.py).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from copytrace.align.cascade import EXACT, QUOTES_ONLY, Alignment, ViewCache, align_pair
from copytrace.align.evidence import SentenceBlock, SentenceEvidence, VerbatimEvidence, sentence_blocks_of, unit
from copytrace.align.verbatim import TokenPassage
from copytrace.config import DEFAULTS, LAYERS, ClassifyConfig, Thresholds
from copytrace.document import Kind, Pair, Passage
from copytrace.origin import rewritten_side
from copytrace.text.tokens import is_member
from copytrace.text.view import TextView

#: what ends a sentence, right after its last word: a headline has none of these
SENTENCE_STOPS = (".", "!", "?", '"', "'", "\u201d", "\u2019", "\u00bb", ":", ";", "\u3002", "\uff01", "\uff1f")


def _passage_kind(p: TokenPassage, a: TextView, b: TextView, pair_kind: Kind, config: ClassifyConfig) -> Kind:
    if not (a.has_quotes or b.has_quotes):
        return pair_kind
    quoted = max(np.count_nonzero(a.in_quote[p.covered_a]) / max(len(p.covered_a), 1),
                 np.count_nonzero(b.in_quote[p.covered_b]) / max(len(p.covered_b), 1))
    return Kind.SAME_STORY if quoted >= config.quoted_passage_share else pair_kind


def _verbatim_pair(ev: VerbatimEvidence, a: TextView, b: TextView, kind: Kind, score: float,
                   config: ClassifyConfig) -> Pair:
    out = [
        Passage(a.char_span(p.a0, p.a1), b.char_span(p.b0, p.b1), _passage_kind(p, a, b, kind, config), p.score)
        for p in ev.passages
    ]
    return Pair(a.id, b.id, kind, unit(score), ev.coverage_a, ev.coverage_b, passages=out)


def rewritten(ev: VerbatimEvidence, config: ClassifyConfig = DEFAULTS.classify) -> bool:
    """Words swapped inside most aligned sentences, a word in ten or more: a spinner's or paraphraser's work, not an
    editor's small changes (spun_min_edited_share, spun_min_swapped_words)."""
    return _rewrite(*ev.edits, config)


def _rewrite(edited: float, holes: float, config: ClassifyConfig) -> bool:
    return edited >= config.spun_min_edited_share and holes >= config.spun_min_swapped_words


def _rewritten_kind(ev: VerbatimEvidence, sentences: SentenceEvidence | None, config: ClassifyConfig) -> Kind:
    """A copy that aligns near-verbatim overall: a near_duplicate, unless its sentences tell of rewriting:
    reordered or re-split sentences make it a paraphrase, words swapped inside most sentences in the source's
    order make it spun. A side copied in one passage was not reordered, whatever order the sentence matches take
    (a text that repeats the other has several counterparts for each sentence)."""
    if sentences is None or len(sentences.matches) < config.min_aligned_sentences:
        return Kind.NEAR_DUPLICATE
    if sentences.in_order < config.spun_min_in_order and not ev.one_piece:
        return Kind.PARAPHRASE
    if rewritten(ev, config):
        return Kind.SPUN if sentences.sentence_ratio >= config.spun_min_sentence_ratio else Kind.PARAPHRASE
    return Kind.NEAR_DUPLICATE


def classify_verbatim(
    a: TextView, b: TextView, ev: VerbatimEvidence, exact: bool, sentences: SentenceEvidence | None = None,
    config: ClassifyConfig = DEFAULTS.classify,
) -> Pair | None:
    """The pair's kind from its verbatim passages alone, or None when they share nothing worth reporting."""
    if exact:
        if not ev.passages:  # identical after normalisation, too short to hold an aligned passage
            whole = Passage(_whole(a), _whole(b), Kind.EXACT, 1.0)
            return Pair(a.id, b.id, Kind.EXACT, 1.0, 1.0, 1.0, passages=[whole])
        return _verbatim_pair(ev, a, b, Kind.EXACT, 1.0, config)
    if not ev.passages:
        return None
    if ev.free_words < config.min_copy_words:
        if ev.quoted_words < config.same_story_min_quoted_words:
            return None
        return _verbatim_pair(ev, a, b, Kind.SAME_STORY, max(ev.coverage_a, ev.coverage_b), config)
    if min(ev.coverage_a, ev.coverage_b) >= config.near_duplicate_min_coverage:
        kind = _rewritten_kind(ev, sentences, config)
        return _verbatim_pair(ev, a, b, kind, min(ev.coverage_a, ev.coverage_b), config)
    if ev.free_words >= config.partial_min_words or max(ev.coverage_a, ev.coverage_b) >= config.excerpt_min_coverage:
        return _verbatim_pair(ev, a, b, Kind.PARTIAL, max(ev.coverage_a, ev.coverage_b), config)
    return None


def as_same_story(pair: Pair | None) -> Pair | None:
    """The pair as two reports of one event: its kind and every passage's kind same_story."""
    if pair is None or pair.kind is Kind.SAME_STORY:
        return pair
    return replace(pair, kind=Kind.SAME_STORY, passages=[replace(p, kind=Kind.SAME_STORY) for p in pair.passages])


def _whole(v: TextView) -> tuple[int, int]:
    return v.char_span(0, len(v)) if len(v) else (0, max(len(v.text), 1))


def sentence_copy_kind(
    a: TextView, b: TextView, ev: SentenceEvidence, config: ClassifyConfig = DEFAULTS.classify
) -> Kind | None:
    """spun / paraphrase / translation when the sentence alignment shows a copy, else None."""
    if not ev.shows_copy(a, b, config):
        return None
    if ev.by_meaning(config) and a.lang and b.lang and a.lang != b.lang:
        return Kind.TRANSLATION
    if ev.skeleton_share >= config.spun_min_skeleton_share and ev.in_order >= config.spun_min_in_order:
        return Kind.SPUN
    return Kind.PARAPHRASE


def classify_sentences(
    a: TextView, b: TextView, ev: SentenceEvidence, config: ClassifyConfig = DEFAULTS.classify
) -> Pair | None:
    kind = sentence_copy_kind(a, b, ev, config)
    if kind is None:
        return None
    score = (ev.coverage_a + ev.coverage_b) / 2
    return Pair(a.id, b.id, kind, unit(score), ev.coverage_a, ev.coverage_b, passages=ev.passages(a, b, kind))


def passage_copy_kind(a: TextView, b: TextView, block: SentenceBlock, config: ClassifyConfig = DEFAULTS.classify
                      ) -> Kind | None:
    """spun / paraphrase / translation when a block of matched sentences is a copy of a passage (the
    passage_min_* of ClassifyConfig), else None. Spun: sentence for sentence, in order, mostly on the skeleton.
    A reworded passage needs passage_min_sentences full sentences (_full_sentences): two pages of one site share
    its furniture word for word in lines of a few words, which match on their words or meaning, not as a spinner's
    work; a translated passage's dateline is one of its sentences, and spun verdicts keep their own rules."""
    if (block.sentences < config.passage_min_sentences or block.density < config.passage_min_density
            or block.in_order < config.passage_min_in_order or block.score < config.passage_min_score):
        return None
    if block.meaning_share >= config.meaning_majority and a.lang and b.lang and a.lang != b.lang:
        return Kind.TRANSLATION
    if (block.spun_share >= config.spun_min_skeleton_share and block.in_order >= config.spun_min_in_order
            and block.sentence_ratio >= config.spun_min_sentence_ratio):
        return Kind.SPUN
    return Kind.PARAPHRASE if _full_sentences(a, b, block, config) >= config.passage_min_sentences else None


def _full_sentences(a: TextView, b: TextView, block: SentenceBlock, config: ClassifyConfig) -> int:
    """The block's matched sentences of at least passage_min_sentence_words tokens, on the side with fewer: a
    site's furniture (an author's "Follow X on Twitter", "Tips?", an email address) is lines of a few words, and so
    is a quoted tweet's sign-off."""
    return min(len({getattr(m, side) for m in block.matches
                    if int(np.diff(view.sentences.bounds[getattr(m, side)])[0]) >= config.passage_min_sentence_words})
               for view, side in ((a, "i"), (b, "j")))


def _block_rewritten(a: TextView, block: SentenceBlock, verbatim: VerbatimEvidence, config: ClassifyConfig) -> bool:
    """Whether a block of sentences inside a verbatim partial copy was rewritten: words swapped inside its sentences
    (as `rewritten` counts them), or its sentences reordered (as a paraphrase's). Not by its sentence counts: the
    paragraphs of a partial copy interleave with the other text's own, so its blocks span more sentences on one
    side."""
    return _rewrite(*verbatim.edits_within(a, block.i0, block.i1), config) or block.in_order < config.spun_min_in_order


def classify_passages(
    a: TextView, b: TextView, ev: SentenceEvidence, verbatim: VerbatimEvidence | None = None,
    config: ClassifyConfig = DEFAULTS.classify,
) -> Pair | None:
    """A disguised copy of passages, however small a share of both texts: each block of matched sentences that is
    a copy (passage_copy_kind) is one passage; the pair takes the kind of its largest, and covers what its
    passages cover. None when no block is a copy. With the `verbatim` passages of a partial copy, only blocks
    rewritten inside count (_block_rewritten): a passage copied verbatim aligns sentence by sentence too."""
    copies = [(block.widened(a, b, config), kind) for block in sentence_blocks_of(a, b, ev, config.passage_max_gap)
              if (kind := passage_copy_kind(a, b, block, config)) is not None
              and (verbatim is None or _block_rewritten(a, block, verbatim, config))]
    if not copies:
        return None
    _, kind = max(copies, key=lambda c: (c[0].sentences, c[0].score))
    score = sum(block.score * block.sentences for block, _ in copies) / sum(block.sentences for block, _ in copies)
    coverage_a = min(sum(block.coverage_a for block, _ in copies), 1.0)
    coverage_b = min(sum(block.coverage_b for block, _ in copies), 1.0)
    passages = [block.passage(a, b, k) for block, k in sorted(copies, key=lambda c: c[0].i0)]
    return Pair(a.id, b.id, kind, unit(score), coverage_a, coverage_b, passages=passages)


def joined_passages(a: TextView, b: TextView, pair: Pair) -> Pair:
    """A partial copy's passages joined where, on both sides, what lies between them holds no whole sentence of
    story text and none overlaps another: a passage copied with words changed inside its sentences, or its
    sentences moved about among themselves, is one passage, not several pieces. A sentence of one side's own
    between them keeps them apart (a copy's paragraphs scattered through a text of its own stay apart), and so does
    an overlap (a text pasted several times into another is several passages). Coverage stays the passages'
    evidence."""
    if len(pair.passages) < 2:
        return pair
    sentences = {"a": _sentence_spans(a), "b": _sentence_spans(b)}

    def joinable(group: list[Passage]) -> bool:
        # pieces of one passage are different parts of it: a text repeated in the other is several passages
        return all(_disjoint([getattr(p, side) for p in group])
                   and _nothing_whole_between(spans, [getattr(p, side) for p in group])
                   for side, spans in sentences.items())

    groups = [[passage] for passage in sorted(pair.passages, key=lambda p: p.a)]
    joined_any = True
    while joined_any:  # moved sentences join only once the pieces between them have joined
        joined_any = False
        for x in range(len(groups)):
            y = next((y for y in range(x + 1, len(groups)) if joinable(groups[x] + groups[y])), None)
            if y is not None:
                groups[x] += groups.pop(y)
                joined_any = True
                break
    if len(groups) == len(pair.passages):
        return pair
    joined = [group[0] if len(group) == 1 else Passage(
        (min(p.a[0] for p in group), max(p.a[1] for p in group)),
        (min(p.b[0] for p in group), max(p.b[1] for p in group)),
        pair.kind, unit(sum(p.score * (p.a[1] - p.a[0]) for p in group) / sum(p.a[1] - p.a[0] for p in group)))
        for group in groups]
    return replace(pair, passages=joined)


def _sentence_spans(view: TextView) -> np.ndarray:
    """(n, 2) character spans of a text's sentences with story text of their own."""
    table = view.sentences
    usable = np.flatnonzero(table.chars > 0)
    return np.array([view.char_span(int(table.bounds[k][0]), int(table.bounds[k][1])) for k in usable.tolist()],
                    dtype=np.int64).reshape(-1, 2)


def _disjoint(spans: list[tuple[int, int]]) -> bool:
    ordered = sorted(spans)
    return all(end <= start for (_, end), (start, _) in zip(ordered, ordered[1:]))


def _nothing_whole_between(sentences: np.ndarray, spans: list[tuple[int, int]]) -> bool:
    """Whether no sentence (character spans) lies whole inside the hull of `spans` and outside every one of them."""
    lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
    inside = sentences[(sentences[:, 0] >= lo) & (sentences[:, 1] <= hi)]
    return not any(all(e <= s0 or s >= e0 for s0, e0 in spans) for s, e in inside.tolist())


def lead_sentence(view: TextView, min_words: int) -> int | None:
    """A text's lead: its first sentence of at least min_words tokens with story text outside quotations that ends
    as a sentence does (a dateline says nothing of the story; a headline, ending without a stop, may come first).
    None where there is none, or where a window view (align.windows) does not hold the document's start."""
    if view.windows is not None and (not view.windows or view.windows[0][0] != 0):
        return None
    table = view.sentences
    if len(table) == 0:
        return None
    for k in np.flatnonzero((table.chars > 0) & (table.bounds[:, 1] - table.bounds[:, 0] >= min_words)).tolist():
        end = int(view.ends[table.bounds[k][1] - 1])
        if view.text[end:end + 3].lstrip(" )]").startswith(SENTENCE_STOPS):
            return k
    return None


def keeps_lead(a: TextView, b: TextView, ev: SentenceEvidence, config: ClassifyConfig = DEFAULTS.classify) -> bool:
    """Whether a sentence alignment keeps what the texts report: it matches the lead of the shorter text (by story
    characters; lead_sentence), and, within one language, the longer text's lead names (almost) nothing the
    shorter lacks. A copy of a whole text keeps what it reports: an abridged or translated excerpt leads with a
    sentence of its source, and a text copied whole into a longer one brings its lead along. A later story that
    reuses an earlier one's background leads with its new facts, and two stories sharing background paragraphs
    match neither lead (DESIGN: a later version of a wire story is partial)."""
    a_shorter = a.sentences.document_chars <= b.sentences.document_chars
    (short, long), (mine, theirs) = ((a, b), ("i", "j")) if a_shorter else ((b, a), ("j", "i"))
    lead = lead_sentence(short, config.lead_min_words)
    if lead is not None and all(getattr(m, mine) != lead for m in ev.matches):
        return False
    # the longer text leads with news of its own where its lead names what the shorter never does: anything, when
    # the alignment leaves the lead unmatched; more than lead_max_new_anchors (a number reported otherwise), when it
    # matches it, unless as a spinner's work (a spinner swaps capitalised words too). Within one language: a
    # translator writes names and numbers the target language's way.
    lead = lead_sentence(long, config.lead_min_words)
    if lead is None or (a.lang and b.lang and a.lang != b.lang):
        return True
    matches = [m for m in ev.matches if getattr(m, theirs) == lead]
    if any(m.spun for m in matches):
        return True
    allowed = config.lead_max_new_anchors if matches else 0
    return int(new_anchors(long, lead, short).sum()) <= allowed


def new_anchors(view: TextView, k: int, other: TextView) -> np.ndarray:
    """Which names and numbers of view's sentence k the other text never has (a capital opening the sentence names
    nothing)."""
    lo, hi = (int(x) for x in view.sentences.bounds[k])
    idx = np.arange(lo + 1, hi)
    idx = idx[view.anchors[idx]]
    return ~is_member(view.hashes[idx], other.hashes[other.anchors])


def is_partial_copy(pair: Pair, config: ClassifyConfig = DEFAULTS.classify) -> bool:
    """A copy of passages, each side keeping substantial text of its own: a partial copy, or a disguised copy
    (spun, paraphrase, translation) of passages that cover less than min_sentence_coverage of either side
    (classify_passages). The others copy most of one text."""
    return pair.kind is Kind.PARTIAL or (pair.kind in (Kind.SPUN, Kind.PARAPHRASE, Kind.TRANSLATION)
                                         and max(pair.coverage_a, pair.coverage_b) < config.min_sentence_coverage)


def classify_pair(
    a: TextView, b: TextView, verbatim: VerbatimEvidence, exact: bool, sentences: SentenceEvidence | None,
    config: ClassifyConfig = DEFAULTS.classify,
) -> Pair | None:
    """The cascade: exact and near-duplicates stand on verbatim evidence; otherwise a sentence alignment that covers
    clearly more than the verbatim passages names a disguised copy; otherwise a disguised passage (classify_passages)
    does, where the verbatim passages make no copy or a partial one with reworded sentences; otherwise the verbatim
    verdict stands."""
    pair = classify_verbatim(a, b, verbatim, exact, sentences, config)
    if sentences is not None and (pair is None or pair.kind in (Kind.PARTIAL, Kind.SAME_STORY)):
        disguised = classify_sentences(a, b, sentences, config)
        verbatim_copy = pair is not None and pair.kind.is_copy
        verbatim_cover = min(verbatim.coverage_a, verbatim.coverage_b) if verbatim_copy else 0.0
        # a verbatim partial copy aligns sentence by sentence too: only rewritten sentences make it disguised
        reworded = not verbatim_copy or rewritten(verbatim, config)
        covers_more = (disguised is not None
                       and min(disguised.coverage_a, disguised.coverage_b) >= verbatim_cover + config.disguise_margin)
        if reworded and covers_more:
            pair = disguised
        elif (verbatim_copy and pair.kind is Kind.PARTIAL and rewritten(verbatim, config) and disguised is not None
              and max(verbatim.coverage_a, verbatim.coverage_b) >= config.contained_min_coverage):
            # one side nearly all inside the other, its sentences reworded: an abridged rewrite (paraphrase), not a
            # partial copy, as each side of a partial copy has substantial text of its own. Never called spun from
            # here: a spinning verdict needs the sentence alignment to carry the pair. The verbatim passages stay
            # its evidence.
            pair = replace(pair, kind=Kind.PARAPHRASE)
        if pair is None or pair.kind in (Kind.PARTIAL, Kind.SAME_STORY):
            # no copy of most of a text: a disguised copy of a passage inside it, if any. A verbatim partial copy
            # stays one unless reworded passages around its verbatim fragments cover more than they do.
            partial = verbatim if pair is not None and pair.kind is Kind.PARTIAL else None
            passages = classify_passages(a, b, sentences, partial, config)
            if passages is not None and (partial is None or max(passages.coverage_a, passages.coverage_b)
                                         >= max(verbatim.coverage_a, verbatim.coverage_b)):
                pair = passages
    if (pair is not None and sentences is not None and pair.kind is Kind.PARAPHRASE
            and not is_partial_copy(pair, config) and not keeps_lead(a, b, sentences, config)
            and min(verbatim.coverage_a, verbatim.coverage_b) < config.near_duplicate_min_coverage):
        # most of a text matched, but not what the shorter one reports: a later story reusing an earlier one's
        # background, or two stories sharing background paragraphs. Partial at most: the verbatim verdict stands.
        pair = classify_verbatim(a, b, verbatim, exact, sentences, config)
        pair = pair if pair is not None and pair.kind is Kind.PARTIAL else None
    if pair is not None and pair.kind is Kind.PARTIAL and sentences is not None:
        pair = joined_passages(a, b, pair)
    if pair is None and sentences is not None and len(sentences.matches) >= config.same_story_min_sentences:
        # sentences reworded from one another, too few to call a copy: related texts
        score = max(sentences.coverage_a, sentences.coverage_b)
        pair = Pair(a.id, b.id, Kind.SAME_STORY, unit(score), sentences.coverage_a, sentences.coverage_b,
                    passages=sentences.passages(a, b, Kind.SAME_STORY))
    return pair


def classify(alignment: Alignment, config: ClassifyConfig = DEFAULTS.classify) -> Pair | None:
    """The pair an alignment shows, or None when it shows nothing worth reporting. A pair that only shares
    quotations is two reports of one event, never a copy."""
    al = alignment
    if al.quotes_only and not al.exact:
        return as_same_story(classify_verbatim(al.a, al.b, al.verbatim, False, config=config))
    return classify_pair(al.a, al.b, al.verbatim, al.exact, al.sentences, config)


def relate(
    a: TextView, b: TextView, exact: bool, layers: tuple[str, ...] = LAYERS, quotes_only: bool = False,
    thresholds: Thresholds = DEFAULTS,
) -> Pair | None:
    """One candidate pair aligned and classified. A spun or paraphrased copy's source is named by its rewriting
    artefacts where they tell (origin.rewritten_side); dates and containment are weighed later, corpus-wide."""
    pair = classify(align_pair(a, b, exact, layers, quotes_only, thresholds), thresholds.classify)
    if pair is not None and pair.kind in (Kind.SPUN, Kind.PARAPHRASE):
        pair.source = rewritten_side(a, b, thresholds.classify)
    return pair


def relate_batch(
    pairs: np.ndarray, flags: np.ndarray, views: ViewCache, layers: tuple[str, ...] = LAYERS,
    prefetch: int = 128, thresholds: Thresholds = DEFAULTS,
) -> list[tuple[int, int, Pair]]:
    """Classified pairs (with their document numbers) for candidate pairs (rows of [i, j]) and their flags (EXACT,
    QUOTES_ONLY); the documents of `prefetch` pairs at a time are prepared together."""
    out = []
    rows = pairs.tolist()
    for start in range(0, len(rows), prefetch):
        views.prefetch([i for row in rows[start:start + prefetch] for i in row])
        for (i, j), f in zip(rows[start:start + prefetch], flags[start:start + prefetch].tolist()):
            pair = relate(views(i), views(j), bool(f & EXACT), layers, bool(f & QUOTES_ONLY), thresholds)
            if pair is not None:
                out.append((i, j, pair))
    return out
