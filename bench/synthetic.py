"""Seeded synthetic disguise suite: real news articles plus disguised copies of them.

Why: the real corpora we have (METER, Wikipedia rewrite) are small and cover only some
kinds of reuse.  This module turns the 3,824 real news articles of
``shared/data/news/NewsArticles.zip`` (UTF-8 CSV, December 2016 - March 2017) into a
benchmark in which every kind of relation of the DESIGN vocabulary occurs, with known
truth, at corpus scale (all originals stay in the corpus as distractors).

Derived document kinds (ids ``syn-exact-<n>``, ``syn-near-<n>``, ``syn-partial-<n>``,
``syn-spun20|35|50-<n>``, ``syn-para-<n>``, ``syn-trans-<lang>-<n>``, ``syn-rt-<via>-<n>``;
ids never name the source; ``truth.jsonl`` does):

``exact``
    the source text with different whitespace, case or Unicode form (``variant``).
``near_duplicate``
    a repost wrapped in scraper-site furniture: header/nav lines, "Post author:",
    "Share this:", a "Related Posts" block with teasers (title + first sentence) of OTHER
    real articles, "Leave a Reply", footer.  The teasers never make the repost a copy of
    the teased articles (they are listed in ``teasers`` for inspection, not in the truth).
``partial``
    30-70 % of the source's paragraphs (contiguous or not) interleaved with paragraphs of
    an unrelated "host" article; each side keeps substantial text of its own.  The page is
    a partial copy of BOTH articles, so truth holds two lines: one for the source and one
    with ``variant: host``.
``spun``
    a dumb article spinner: content words replaced by any lemma of any WordNet synset at
    ``rate`` 0.20 / 0.35 / 0.50, word order kept, function words kept, first-letter case
    kept, some names and initials mangled ("K." -> "Okay.", "said" -> "stated").
``paraphrase``
    rule-based rewrite: local sentence reordering, splits at conjunctions, merges,
    ~15 % sensible synonyms, dropped clauses and sentences.  Hand-written round trips
    through another language (``bench/data/translations/<id>.en.txt``) are also kind
    ``paraphrase`` with ``variant: round_trip`` and ``via: <lang>``.
``translation``
    hand-written translations (``bench/data/translations/index.tsv``) into de/fr/es/it/pt/nl (both
    splits) and, on the tune split, ru/zh/ja/ko/ar/tr/pl, of 100-450 word excerpts: the lead
    paragraphs (0-1 or 0-3) or a stretch from the middle (2-4), with names and numbers written
    the target language's way ("Russland", "2.000", "Лора Купер", "3月15日").
``same_story`` (negatives)
    pairs of DIFFERENT real articles from different outlets about the same event,
    verified by reading to be independent reports (``bench/data/same_story_pairs.tsv``).
``syn-strans-<lang>-<n>`` (foreign-foreign cases, ``bench/data/story_translations``)
    hand-made translations of the lead paragraphs (0-1) of both sides of same-story pairs, each
    side into a different language (10 pairs on tune, 8 on test), and of some of those articles
    into a second language (4 tune, 3 test). Each is a ``translation`` of its source (``variant:
    story``); two translations of one article are a ``translation`` of each other (``variant:
    foreign_pair``, scored as ``foreign_pair_recall``); translations of the two sides of a pair
    are ``same_story`` (``variant: foreign``), and so is each with the other side's English
    original (``variant: cross``): both scored apart as ``foreign_false_copy_rate`` and
    ``cross_false_copy_rate``. Each is in the split of the pair it was made for (its ``a``
    side's), whatever its own article's.
``exact`` / ``variant: in_corpus``
    the exact duplicate groups already in the corpus whose text is not trivial
    (3 groups; 3 more groups are empty, "-1" or "View Comments" pages and are ignored).

``native_reuse`` (not a copy kind; pairs of originals)
    pairs of original articles that already share a verbatim passage in the corpus (at least
    ``NATIVE_MIN_SHARED`` rare 5-word shingles outside quotations; see ``evaluate``).

Splits: an article belongs to ``tune`` or ``test`` by a seed-independent hash of its
article_id (:func:`split_of`); every derived doc, translation and same-story pair belongs
to the split of its source (of its ``a`` side for pairs).  Tune on ``tune``, report
``test``, never tune on it.  ``build(split)`` writes all 3,824 originals plus that split's
derived documents.  Articles already involved in real reuse inside the corpus (shingle
containment >= ``TAINT_CONTAINMENT`` with another article, or exact duplicate groups) are
never used as sources, hosts or teasers, so the truth is not contradicted by the corpus.

Evaluation (:func:`evaluate`).  Truth defines copy families through *roots*: an original's
root is its in-corpus exact duplicate group (or itself); a derived doc's roots are the
roots of every truth line naming it as ``b`` (its source, plus the host for ``partial``).
Two documents are true copies iff their root sets intersect, so two docs derived from the
same source are copies of each other, while a partial page does not make its source and
its host copies of each other.

* recall of kind K: fraction of truth pairs of kind K reported as a copy (any reported
  kind other than ``same_story``; either order).
* precision of kind K: among reported copy pairs that touch a derived doc of kind K (the
  ``b`` side of a truth line of kind K), the fraction whose two sides are true copies.
  0.0 when no such pair was reported (see ``n_reported``).  Pairs the truth cannot judge
  are left out (``n_unlabelled``): two sides that are not true copies, but whose roots
  share a passage in the original corpus (``native_reuse`` lines: at least
  ``NATIVE_MIN_SHARED`` rare 5-word shingles in common outside quotations).  A wire
  passage that two outlets both printed is, in a spun copy of one of them, still that
  passage: finding it is right, and the truth, which knows only what the generator made,
  would call it wrong.  ``precision_strict`` counts those pairs as errors.
* kind_accuracy of kind K: among found truth pairs of kind K, the fraction reported with
  exactly kind K (strict: ``exact`` reported as ``near_duplicate`` is wrong; "copy" is
  never right).  When a pair is reported several times, its first copy kind counts.
* same_story false_copy_rate: fraction of same-story pairs reported with a copy kind.

Copy kinds are ``exact, near_duplicate, partial, spun, paraphrase, translation, copy``;
any other reported kind (``same_story`` or unknown) is not a copy.

CLI: ``python bench/synthetic.py --split tune --out /tmp/suite_tune``; a scan of its corpus scored with
``python bench/synthetic.py --score SCAN/pairs.jsonl /tmp/suite_tune/truth.jsonl``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import random
import re
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain, combinations
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

# ---------------------------------------------------------------------------- paths

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = Path(os.environ.get("COPYTRACE_DATA") or BENCH_DIR.parents[0].parent / "shared" / "data")
DEFAULT_NEWS_ZIP = DEFAULT_DATA_DIR / "news" / "NewsArticles.zip"
WORDNET_DIR = Path(os.environ.get("WORDNET_DIR", "/usr/share/wordnet"))
TRANSLATIONS_DIR = BENCH_DIR / "data" / "translations"
TRANSLATIONS_INDEX = TRANSLATIONS_DIR / "index.tsv"
STORY_TRANSLATIONS_DIR = BENCH_DIR / "data" / "story_translations"
STORY_TRANSLATIONS_INDEX = STORY_TRANSLATIONS_DIR / "index.tsv"
SAME_STORY_TSV = BENCH_DIR / "data" / "same_story_pairs.tsv"

# ---------------------------------------------------------------------------- constants

SPLITS = ("tune", "test")
PARTIAL_DISGUISED_KINDS = ("partial_spun", "partial_paraphrase", "partial_translation")
#: translations and paraphrases with every name and number replaced (deep semantic mode's case, issue 16)
STRIPPED_KINDS = ("stripped_translation", "stripped_paraphrase")
COPY_KINDS = ("exact", "near_duplicate", "partial", "spun", "paraphrase", "translation", *PARTIAL_DISGUISED_KINDS,
              *STRIPPED_KINDS)
REPORTABLE_COPY_KINDS = frozenset(COPY_KINDS) | {"copy"}
#: the DESIGN kind a truth kind is reported as: a disguised passage inside another text is a copy of that passage,
#: named for its disguise, its coverage partial (DESIGN's vocabulary is fixed)
REPORTED_AS = {"partial_spun": "spun", "partial_paraphrase": "paraphrase", "partial_translation": "translation",
               "stripped_translation": "translation", "stripped_paraphrase": "paraphrase"}
#: a reported passage finds a truth passage when it holds at least this share of its characters, on both sides
PASSAGE_MIN_OVERLAP = 0.8
SPIN_RATES = (0.20, 0.35, 0.50)

# derived docs per split at scale 1.0 (each uses a distinct source article)
N_EXACT = 60
N_NEAR_DUPLICATE = 80
N_PARTIAL = 80
N_SPUN_PER_RATE = 25
N_PARAPHRASE = 70
MIN_PER_KIND_SMALL = 2          # floor per kind when scale < 1

MIN_SOURCE_WORDS = 150          # too-short articles make degenerate copies
MAX_SOURCE_WORDS = 1500         # live blogs / transcripts are not typical news
MIN_IN_CORPUS_WORDS = 5         # in-corpus duplicate groups below this are empty pages
TAINT_SHINGLE = 5               # word n-gram size for the in-corpus reuse scan
TAINT_CONTAINMENT = 0.15        # shared shingles / smaller side that marks real reuse
TAINT_MAX_DF = 20               # shingles in more docs than this are stock phrases or boilerplate, ignored
NATIVE_MIN_SHARED = 20          # rare shingles outside quotes shared by two originals: related in the truth

PARAGRAPH_MIN_WORDS = 45        # the CSV has no paragraph breaks: we group sentences
PARAGRAPH_TAIL_MIN_WORDS = 20   # a shorter last paragraph joins the previous one

PARTIAL_MIN_FRACTION = 0.30
PARTIAL_MAX_FRACTION = 0.70
PARTIAL_MIN_PARAGRAPHS = 4

NEAR_DUP_MIN_TEASERS = 3
NEAR_DUP_MAX_TEASERS = 6
NEAR_DUP_DROP_LAST_PARAGRAPH = 0.2   # scrapers sometimes lose the last paragraph

SPIN_NAME_FACTOR = 0.5          # capitalised mid-sentence words are spun at half the odds
SPIN_INITIAL_PROB = 0.7         # a middle initial like "K." is mangled this often
SPIN_FAVOURITE_PROB = 0.7       # spinner's own favourites ("said" -> "stated") win this often

PARA_SYNONYM_RATE = 0.15
PARA_SWAP_PROB = 0.35           # swap adjacent sentences (first sentence stays first)
PARA_SPLIT_PROB = 0.6           # split a long sentence at ", and" / ", but" / ";"
PARA_SPLIT_MIN_WORDS = 18
PARA_MERGE_PROB = 0.35          # merge two short neighbours
PARA_MERGE_MAX_WORDS = 14
PARA_CLAUSE_DROP_PROB = 0.5     # drop a relative clause / trailing attribution
PARA_SENTENCE_DROP_PROB = 0.08

# disguised passages inside another outlet's article (partial_spun, partial_paraphrase, partial_translation)
N_PARTIAL_SPUN = 40
N_PARTIAL_PARAPHRASE = 40
PASSAGE_MIN_SENTENCES = 3
PASSAGE_MAX_SENTENCES = 8
PASSAGE_MAX_QUOTED_SHARE = 1 / 3
FURNITURE_MIN_ARTICLES = 5      # a sentence printed in this many articles is an outlet's furniture
PARTIAL_TRANSLATION_LANGS = frozenset({"de", "fr", "es", "it", "pt", "nl", "pl", "tr"})

DERIVED_DATE_LAG_DAYS = 3       # derived docs are dated 0..N days after their source

# ---------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Article:
    """One row of NewsArticles.csv."""

    article_id: str
    date: str | None            # ISO yyyy-mm-dd
    link: str
    title: str
    text: str

    @property
    def doc_id(self) -> str:
        return f"news-{self.article_id}"

    @property
    def outlet(self) -> str:
        parts = self.link.split("/")
        return parts[2] if len(parts) > 2 else ""

    @property
    def n_words(self) -> int:
        return len(self.text.split())


@dataclass
class Derived:
    """A derived document and its truth line(s)."""

    doc_id: str
    text: str
    date: str | None
    truth: list[dict]


@dataclass
class SuiteFiles:
    """What :func:`build` wrote."""

    corpus: Path
    truth: Path
    counts: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------- loading


def _iso_date(raw: str) -> str | None:
    """'2017/2/7' -> '2017-02-07'; blanks and junk -> None."""
    m = re.fullmatch(r"\s*(\d{4})/(\d{1,2})/(\d{1,2})\s*", raw or "")
    if not m:
        return None
    return date(int(m[1]), int(m[2]), int(m[3])).isoformat()


@lru_cache(maxsize=4)
def load_articles(news_zip: Path = DEFAULT_NEWS_ZIP) -> tuple[Article, ...]:
    """Read the CSV from the zip (it is valid UTF-8; texts carry '"?' mojibake for curly
    quotes and dashes, which we keep as the corpus has it)."""
    with zipfile.ZipFile(news_zip) as zf:
        raw = zf.read("NewsArticles.csv")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    return tuple(
        Article(r["article_id"].strip(), _iso_date(r["publish_date"]), r["article_source_link"],
                r["title"].strip(), r["text"].strip())
        for r in reader
    )


def split_of(article_id: str) -> str:
    """Seed-independent split of an article: the same article is in the same split forever."""
    h = hashlib.sha256(f"copytrace-split:{article_id}".encode()).digest()
    return "tune" if h[0] % 2 == 0 else "test"


def _rng(seed: int, *labels: object) -> random.Random:
    """A generator per purpose, so adding one kind never reshuffles the others."""
    return random.Random(":".join(str(x) for x in (seed, *labels)))


def _shift_date(iso: str | None, rng: random.Random, max_days: int = DERIVED_DATE_LAG_DAYS) -> str | None:
    if not iso:
        return None
    return (date.fromisoformat(iso) + timedelta(days=rng.randint(0, max_days))).isoformat()


# ---------------------------------------------------------------------------- text units

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "sgt",
    "capt", "prof", "inc", "corp", "co", "ltd", "no", "vs", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "rev", "adm", "maj", "cmdr",
    "u.s", "u.n", "u.k", "a.m", "p.m", "d.c", "e.g", "i.e", "etc", "approx", "dept", "est",
}
_SENTENCE_END = re.compile(r"[.!?]+[\"'\u201d\u2019)?]*\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Split into sentences; guards common abbreviations and initials ("Laura K. Cooper")."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start:m.start() + 1]
        last = before.split()[-1] if before.split() else ""
        token = last.rstrip(".").lower().lstrip("\"'(")
        if last.endswith(".") and (token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token)):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def group_paragraphs(sents: list[str]) -> list[str]:
    """Group sentences into paragraphs of >= PARAGRAPH_MIN_WORDS words."""
    return [" ".join(p) for p in paragraph_groups(sents)]


def paragraph_groups(sents: list[str]) -> list[list[str]]:
    """The sentences of each paragraph of :func:`group_paragraphs`."""
    paras: list[list[str]] = []
    cur: list[str] = []
    words = 0
    for s in sents:
        cur.append(s)
        words += len(s.split())
        if words >= PARAGRAPH_MIN_WORDS:
            paras.append(cur)
            cur, words = [], 0
    if cur:
        if paras and words < PARAGRAPH_TAIL_MIN_WORDS:
            paras[-1].extend(cur)
        else:
            paras.append(cur)
    return paras


def paragraphs(text: str) -> list[str]:
    """Deterministic paragraphs of an article (the CSV lost the real ones).

    ``bench/data/translations/index.tsv`` refers to these indices, so keep this stable.
    """
    return group_paragraphs(sentences(text))


_WORD_RE = re.compile(r"(?<!\w)[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?!\w)")


def words_of(text: str) -> list[str]:
    """Word tokens as the spinner sees them (contractions and possessives are one token)."""
    return _WORD_RE.findall(text)


FUNCTION_WORDS = frozenset("""
a about above across after against ago all along also although am among an and another any anyone
anything are around as at be because been before being below between both but by can cannot could
did do does doing done down during each either else even ever every few for from further had has
have having he her here hers herself him himself his how however i if in into is it its itself just
least less many may me might mine more most much must my myself neither no nor not now of off on
once one only onto or other others our ours ourselves out over own per rather same several shall
she should since so some such than that the their theirs them themselves then there these they this
those though through thus to too toward towards under until up upon us very was we were what
whatever when whenever where whereas whether which while who whoever whom whose why will with
within without would yet you your yours yourself yourselves two three four five six seven eight
nine ten hundred thousand million billion first second third last next
""".split())


def is_content_word(token: str) -> bool:
    """Content word = alphabetic, 2+ letters, no apostrophe, not a function word."""
    return len(token) >= 2 and token.isalpha() and token.lower() not in FUNCTION_WORDS


# ---------------------------------------------------------------------------- WordNet

_WN_POS = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
_MORPH_RULES = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}


class WordNet:
    """Minimal reader of the WordNet 3.0 database files (index.*, data.*, *.exc).

    Why our own: nltk is not available; we need only lemma -> synsets -> lemmas and
    a morphy-like base-form lookup.
    """

    def __init__(self, root: Path = WORDNET_DIR) -> None:
        self.index: dict[str, dict[str, list[int]]] = {}
        self.tagged: dict[str, dict[str, int]] = {}    # lemma -> tagged sense count (usage frequency)
        self.synsets: dict[str, dict[int, list[str]]] = {}
        self.exceptions: dict[str, dict[str, list[str]]] = {}
        self.irregular_forms: dict[str, list[str]] = defaultdict(list)   # verb base -> forms
        for pos, name in _WN_POS.items():
            self.index[pos], self.tagged[pos] = self._read_index(root / f"index.{name}")
            self.synsets[pos] = self._read_data(root / f"data.{name}")
            self.exceptions[pos] = self._read_exc(root / f"{name}.exc")
        for form, bases in self.exceptions["v"].items():
            for b in bases:
                self.irregular_forms[b].append(form)

    @staticmethod
    def available(root: Path = WORDNET_DIR) -> bool:
        return all((root / f"{k}.{n}").exists() for n in _WN_POS.values() for k in ("index", "data"))

    @staticmethod
    def _read_index(path: Path) -> tuple[dict[str, list[int]], dict[str, int]]:
        out: dict[str, list[int]] = {}
        tagged: dict[str, int] = {}
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(" "):
                    continue
                f = line.split()
                n_synsets, n_ptr = int(f[2]), int(f[3])
                offsets = f[4 + n_ptr + 2:]
                out[f[0]] = [int(x) for x in offsets[:n_synsets]]
                tagged[f[0]] = int(f[4 + n_ptr + 1])
        return out, tagged

    @staticmethod
    def _read_data(path: Path) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        with open(path, encoding="latin-1") as fh:
            for line in fh:
                if line.startswith(" "):
                    continue
                f = line.split(" ", 4 + 2 * 40)
                n = int(f[3], 16)
                lemmas = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]) for i in range(n)]
                out[int(f[0])] = lemmas
        return out

    @staticmethod
    def _read_exc(path: Path) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        if path.exists():
            with open(path, encoding="latin-1") as fh:
                for line in fh:
                    f = line.split()
                    if len(f) >= 2:
                        out[f[0]].extend(f[1:])
        return out

    def base_forms(self, word: str, pos: str) -> list[str]:
        """morphy: exceptions, then detachment rules, then the word itself."""
        w = word.lower()
        found = [b for b in self.exceptions[pos].get(w, []) if b in self.index[pos]]
        if w in self.index[pos]:
            found.append(w)
        for suffix, repl in _MORPH_RULES[pos]:
            if w.endswith(suffix) and len(w) > len(suffix) + 1:
                b = w[: len(w) - len(suffix)] + repl
                if b in self.index[pos] and b not in found:
                    found.append(b)
        return found

    def lemmas(self, base: str, pos: str, first_sense_only: bool = False) -> list[str]:
        """All lemmas of all synsets of ``base`` (or of its first sense), spaces for '_'."""
        offsets = self.index[pos].get(base, [])
        if first_sense_only:
            offsets = offsets[:1]
        out: list[str] = []
        for off in offsets:
            for lem in self.synsets[pos].get(off, []):
                lem = lem.replace("_", " ")
                if lem.lower() != base and lem not in out:
                    out.append(lem)
        return out


@lru_cache(maxsize=1)
def wordnet() -> WordNet:
    """Parsed once per process (~2 s)."""
    return WordNet(WORDNET_DIR)


# ---------------------------------------------------------------------------- inflection


def _pluralise(phrase: str) -> str:
    head, _, last = phrase.rpartition(" ")
    if re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def _verb_form(phrase: str, form: str, wn: WordNet) -> str:
    """Inflect the first word of a verb phrase as a spinner would (regular rules,
    WordNet's irregular list when it has one)."""
    first, sep, rest = phrase.partition(" ")
    irregular = wn.irregular_forms.get(first.lower(), [])
    if form == "past":
        cands = [f for f in irregular if not f.endswith(("ing", "s"))]
        new = cands[0] if cands else (first + "d" if first.endswith("e") else
                                      first[:-1] + "ied" if re.search(r"[^aeiou]y$", first) else first + "ed")
    elif form == "ing":
        new = first[:-1] + "ing" if first.endswith("e") and not first.endswith("ee") else first + "ing"
    else:  # third person singular
        new = _pluralise(first)
    return new + sep + rest


def _detect_form(word: str, base: str, pos: str) -> str:
    w = word.lower()
    if w == base:
        return "base"
    if pos == "n":
        return "plural"
    if pos == "v":
        if w.endswith("ing"):
            return "ing"
        if w.endswith("s") and not w.endswith("ss"):
            return "s"
        return "past"
    return "other"


def _inflect(lemma: str, form: str, pos: str, wn: WordNet) -> str:
    if form == "plural":
        return _pluralise(lemma)
    if pos == "v" and form in ("past", "ing", "s"):
        return _verb_form(lemma, form, wn)
    return lemma


def _match_case(original: str, replacement: str) -> str:
    """Keep the case of the first letter (and ALL CAPS words stay all caps)."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def synonym_candidates(word: str, wn: WordNet, sensible: bool = False) -> list[str]:
    """Inflected replacement candidates for ``word``.

    Dumb (spinner) mode: any lemma of any synset of any POS reading of the word.
    Sensible (paraphrase) mode: see :func:`_sensible_candidates`.
    """
    if sensible:
        return _sensible_candidates(word, wn)
    out: list[str] = []
    for pos in ("n", "v", "a", "r"):
        for base in wn.base_forms(word, pos):
            form = _detect_form(word, base, pos)
            if pos in ("a", "r") and form != "base":
                continue
            for lem in wn.lemmas(base, pos):
                cand = _inflect(lem, form, pos, wn)
                if cand.lower() != word.lower() and cand not in out:
                    out.append(cand)
    return out


def _sensible_candidates(word: str, wn: WordNet) -> list[str]:
    """What a careful human might pick: the most used POS reading of the word (WordNet's
    tagged-sense counts), its first (most frequent) sense, one-word lowercase lemmas that
    do not look like a different inflection."""
    readings = [(wn.tagged[pos].get(base, 0), pos, base) for pos in ("v", "n", "a", "r")
                for base in wn.base_forms(word, pos)[:1]]
    if not readings:
        return []
    count, pos, base = max(readings, key=lambda r: r[0])
    if count == 0:
        return []
    form = _detect_form(word, base, pos)
    if pos in ("a", "r") and form != "base":
        return []
    out = []
    for lem in wn.lemmas(base, pos, first_sense_only=True):
        if " " in lem or "-" in lem or not lem.islower() or (lem.endswith("ing") and form != "ing"):
            continue
        cand = _inflect(lem, form, pos, wn)
        if cand.lower() != word.lower():
            out.append(cand)
    return out


# ---------------------------------------------------------------------------- spinner

# A spinner's own thesaurus beats WordNet for its favourite words.
SPINNER_FAVOURITES = {
    "said": ["stated", "mentioned", "acknowledged"], "says": ["states", "mentions"],
    "told": ["instructed", "informed"], "top": ["prime", "high"], "officials": ["officers", "authorities"],
    "government": ["authorities", "authorities"], "defense": ["protection"], "department": ["division"],
    "military": ["navy", "army"], "exercises": ["workout routines"], "president": ["chairman"],
    "minister": ["minster"], "people": ["individuals", "folks"], "country": ["nation"],
}
# Spinners read a middle initial as a word.
INITIAL_SPINS = {
    "K": "Okay", "A": "A", "U": "You", "S": "South", "N": "North", "E": "East", "W": "West",
    "J": "Joule", "C": "Celsius", "D": "Five Hundred", "M": "Thousand", "R": "Roentgen",
    "T": "Tee", "B": "Boron", "G": "Gram", "L": "Fifty", "P": "Phosphorus", "H": "Hydrogen",
    "F": "Fahrenheit", "O": "Oxygen", "V": "Volt", "I": "One", "Y": "Yttrium", "Z": "Zee",
}
_INITIAL_RE = re.compile(r"(?<=[A-Z][a-z] )([A-Z])(?=\. [A-Z][a-z])|(?<=[A-Z][a-z]{2} )([A-Z])(?=\. [A-Z][a-z])")


@dataclass
class SpinResult:
    text: str
    n_content: int
    n_changed: int


def _sentence_starts(text: str) -> set[int]:
    """Character offsets of the first word of each sentence (those are not 'names')."""
    starts, pos = set(), 0
    for s in sentences(text):
        i = text.find(s, pos)
        m = _WORD_RE.search(text, i)
        if m:
            starts.add(m.start())
        pos = i + len(s)
    return starts


def spin(text: str, rate: float, rng: random.Random, wn: WordNet) -> SpinResult:
    """Replace ``rate`` of the content words by dumb synonyms; keep everything else."""
    matches = list(_WORD_RE.finditer(text))
    starts = _sentence_starts(text)
    content = [m for m in matches if is_content_word(m.group())]
    eligible: list[tuple[re.Match, list[str]]] = []
    for m in content:
        w = m.group()
        is_name = w[:1].isupper() and m.start() not in starts
        if is_name and rng.random() > SPIN_NAME_FACTOR:
            continue
        cands = synonym_candidates(w, wn)
        if w.lower() in SPINNER_FAVOURITES and rng.random() < SPIN_FAVOURITE_PROB:
            cands = SPINNER_FAVOURITES[w.lower()]
        if cands:
            eligible.append((m, cands))
    k = min(len(eligible), round(rate * len(content)))
    chosen = sorted(rng.sample(eligible, k), key=lambda x: x[0].start())
    pieces, last = [], 0
    for m, cands in chosen:
        pieces.append(text[last:m.start()])
        pieces.append(_match_case(m.group(), rng.choice(cands)))
        last = m.end()
    pieces.append(text[last:])
    out = "".join(pieces)
    out = _INITIAL_RE.sub(lambda m: _spin_initial(m, rng), out)
    return SpinResult(out, len(content), k)


def _spin_initial(m: re.Match, rng: random.Random) -> str:
    letter = m.group(1) or m.group(2)
    return INITIAL_SPINS.get(letter, letter) if rng.random() < SPIN_INITIAL_PROB else letter


# ---------------------------------------------------------------------------- exact


def make_exact(art: Article, rng: random.Random) -> tuple[str, str]:
    """Same text after normalisation; returns (text, variant)."""
    variant = rng.choice(["whitespace", "case", "unicode", "verbatim"])
    if variant == "verbatim":
        return art.text, variant
    if variant == "case":
        return art.text.lower() if rng.random() < 0.7 else art.text.upper(), variant
    if variant == "unicode":
        text = unicodedata.normalize("NFD", art.text).replace(". ", ".\u00a0")
        return "\ufeff" + text if rng.random() < 0.5 else text, variant
    paras = paragraphs(art.text)
    text = "\n\n".join(p.replace(". ", ".  ") if rng.random() < 0.3 else p for p in paras)
    return "\n  " + text + "\n\n", variant


# ---------------------------------------------------------------------------- near duplicate

_SITE_WORDS_A = ["Daily", "World", "Global", "News", "Breaking", "Info", "Top", "Free", "Smart", "Viral"]
_SITE_WORDS_B = ["Pulse", "Hub", "Wire", "Digest", "Today", "Feed", "Times", "Buzz", "Report", "Post"]
_NAV = ["Home", "World", "Politics", "Business", "Tech", "Sports", "Entertainment", "Health",
        "Science", "Opinion", "Video", "Contact Us"]
_AUTHORS = ["admin", "newsdesk", "editor", "John Smith", "webmaster", "staff", "Mike R.", "sarah_k"]


def _teaser(art: Article) -> str:
    first = sentences(art.text)[0] if art.text else ""
    return f"{art.title}\n{first}"


def make_near_duplicate(art: Article, rng: random.Random, teaser_pool: list[Article]) -> tuple[str, dict]:
    """A scraper repost: furniture around the unchanged body; teasers of other articles."""
    site = rng.choice(_SITE_WORDS_A) + rng.choice(_SITE_WORDS_B) + rng.choice(["", "24", "Now", ".net", ".info"])
    nav = " | ".join(rng.sample(_NAV, rng.randint(5, 9)))
    body = paragraphs(art.text)
    edits = []
    if len(body) >= 4 and rng.random() < NEAR_DUP_DROP_LAST_PARAGRAPH:
        body = body[:-1]
        edits.append("dropped_last_paragraph")
    teasers = rng.sample(teaser_pool, rng.randint(NEAR_DUP_MIN_TEASERS, NEAR_DUP_MAX_TEASERS))
    header = [site, nav, f"Menu\nSearch for:", art.title,
              f"Post author: {rng.choice(_AUTHORS)}", f"Post published: {art.date or 'March 2017'}"]
    if rng.random() < 0.5:
        header.append(f"Source: {art.outlet}")
    share = ["Share this:", "Click to share on Twitter (Opens in new window)",
             "Click to share on Facebook (Opens in new window)", "Like this:", "Like Loading..."]
    related = ["Related Posts"] + [_teaser(t) for t in teasers]
    reply = ["Leave a Reply Cancel reply",
             "Your email address will not be published. Required fields are marked *",
             "Comment", "Name *", "Email *", "Website",
             "Save my name, email, and website in this browser for the next time I comment."]
    footer = [f"Copyright \u00a9 2017 {site}. All rights reserved.",
              "About Us | Privacy Policy | Terms of Use | Contact"]
    blocks = header + body + share + related + reply + footer
    if rng.random() < 0.5:   # some themes put related posts before the share buttons
        blocks = header + body + related + share + reply + footer
    return "\n\n".join(blocks), {"teasers": [t.doc_id for t in teasers], "edits": edits}


# ---------------------------------------------------------------------------- partial


def make_partial(art: Article, host: Article, rng: random.Random) -> tuple[str, dict]:
    """30-70 % of the source's paragraphs interleaved with paragraphs of a host article."""
    src = paragraphs(art.text)
    n = len(src)
    k = max(1, min(n - 1, round(rng.uniform(PARTIAL_MIN_FRACTION, PARTIAL_MAX_FRACTION) * n)))
    if rng.random() < 0.5:
        start = rng.randint(0, n - k)
        keep = list(range(start, start + k))
        layout = "contiguous"
    else:
        keep = sorted(rng.sample(range(n), k))
        layout = "scattered"
    hp = paragraphs(host.text)
    hk = max(2, min(len(hp), round(rng.uniform(0.5, 1.0) * len(hp))))
    host_keep = list(range(hk))
    # interleave: host opening, then source blocks and host blocks alternately
    blocks: list[str] = [hp[0]]
    rest_host = [hp[i] for i in host_keep[1:]]
    for i, idx in enumerate(keep):
        blocks.append(src[idx])
        if rest_host and (i % 2 == 1 or rng.random() < 0.4):
            blocks.append(rest_host.pop(0))
    blocks.extend(rest_host)
    src_words = sum(len(src[i].split()) for i in keep)
    extra = {"paragraphs": keep, "layout": layout, "host": host.doc_id,
             "fraction": round(src_words / max(1, art.n_words), 3)}
    return "\n\n".join(blocks), extra


# ---------------------------------------------------------------------------- paraphrase

_CLAUSE_PATTERNS = [
    re.compile(r", (?:who|which|whose) [^,\"]{5,80},"),      # non-restrictive relative clause
    re.compile(r", according to [^,.\"]{3,60}(?=[.,])"),     # trailing attribution
    re.compile(r"^(?:However|Meanwhile|Earlier|Still|Instead|Separately|In addition), "),
    re.compile(r", (?:[a-z]+ )?(?:on|last|this) (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|month|year)(?=[,.])"),
]
_SPLIT_RE = re.compile(r", (and|but|while) |; ")


def _drop_clause(s: str, rng: random.Random) -> str:
    pats = [p for p in _CLAUSE_PATTERNS if p.search(s)]
    if not pats:
        return s
    p = rng.choice(pats)
    out = p.sub(lambda m: "," if m.group().endswith(",") and m.group().startswith(",") else "", s, count=1)
    return out[:1].upper() + out[1:]


def _split_sentence(s: str) -> list[str]:
    m = _SPLIT_RE.search(s)
    if not m or m.start() < 30 or len(s) - m.end() < 30 or s.count('"') % 2 or '"' in s[m.start() - 5:m.end() + 5]:
        return [s]
    left = s[:m.start()].rstrip(",;") + "."
    right = s[m.end():]
    lead = {"and": "", "but": "However, ", "while": "Meanwhile, "}.get(m.group(1) or "", "")
    right = lead + (right[:1].upper() + right[1:] if not lead else right)
    return [left, right]


def _merge(a: str, b: str) -> str:
    first = b.split()[0] if b.split() else ""
    b2 = b[:1].lower() + b[1:] if first.lower() in FUNCTION_WORDS else b
    return a.rstrip(".!?") + (", and " if rng_free_choice(a) else "; ") + b2


def rng_free_choice(s: str) -> bool:
    """Deterministic connector choice from the text itself (keeps _merge pure)."""
    return len(s) % 2 == 0


def _synonym_swap(s: str, rng: random.Random, wn: WordNet, rate: float) -> str:
    def repl(m: re.Match) -> str:
        w = m.group()
        if not is_content_word(w) or w[:1].isupper() or rng.random() >= rate:
            return w
        cands = synonym_candidates(w, wn, sensible=True)
        return rng.choice(cands) if cands else w
    return _WORD_RE.sub(repl, s)


def make_paraphrase(art: Article, rng: random.Random, wn: WordNet | None) -> tuple[str, dict]:
    """A rule-based human-like rewrite; returns (text, stats of applied operations)."""
    rewritten, ops = paraphrase_sentences(sentences(art.text), rng, wn)
    return "\n\n".join(group_paragraphs(rewritten)), ops


def paraphrase_sentences(sents: list[str], rng: random.Random, wn: WordNet | None) -> tuple[list[str], dict]:
    """The rule-based rewrite of a run of sentences (see make_paraphrase): the rewritten sentences and the stats of
    the operations applied."""
    ops = Counter()
    out: list[str] = []
    for i, s in enumerate(sents):
        if i > 0 and rng.random() < PARA_SENTENCE_DROP_PROB:
            ops["dropped_sentence"] += 1
            continue
        if rng.random() < PARA_CLAUSE_DROP_PROB:
            s2 = _drop_clause(s, rng)
            ops["dropped_clause"] += s2 != s
            s = s2
        if len(s.split()) >= PARA_SPLIT_MIN_WORDS and rng.random() < PARA_SPLIT_PROB:
            parts = _split_sentence(s)
            ops["split"] += len(parts) > 1
            out.extend(parts)
        else:
            out.append(s)
    merged: list[str] = []
    for s in out:
        if (merged and len(merged[-1].split()) <= PARA_MERGE_MAX_WORDS and len(s.split()) <= PARA_MERGE_MAX_WORDS
                and '"' not in merged[-1] + s and rng.random() < PARA_MERGE_PROB):
            merged[-1] = _merge(merged[-1], s)
            ops["merged"] += 1
        else:
            merged.append(s)
    for i in range(1, len(merged) - 1, 2):
        if rng.random() < PARA_SWAP_PROB:
            merged[i], merged[i + 1] = merged[i + 1], merged[i]
            ops["swapped"] += 1
    if wn is not None:
        merged = [_synonym_swap(s, rng, wn, PARA_SYNONYM_RATE) for s in merged]
    return merged, dict(ops)


# ---------------------------------------------------------------------------- disguised passages


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of :func:`sentences` in ``text`` (each sentence is a stripped stretch of it)."""
    spans, pos = [], 0
    for sent in sentences(text):
        start = text.index(sent, pos)
        spans.append((start, start + len(sent)))
        pos = start + len(sent)
    return spans


def _quoted_sentences(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Which sentences hold a quotation mark or lie inside a quotation (one can run over several sentences)."""
    quotes = [m.span() for m in _QUOTATION.finditer(text)]
    return [bool(re.search(r'["\u201c\u201d]', text[s:e])) or any(q0 < e and s < q1 for q0, q1 in quotes)
            for s, e in spans]


@lru_cache(maxsize=4)
def outlet_furniture(news_zip: Path = DEFAULT_NEWS_ZIP) -> frozenset[str]:
    """Sentences printed in at least FURNITURE_MIN_ARTICLES articles: an outlet's sign-offs and calls to readers
    ("Do you have information you want to share with the Huffington Post?"), not story."""
    counts = Counter(s for a in load_articles(news_zip) for s in set(sentences(a.text)))
    return frozenset(s for s, c in counts.items() if c >= FURNITURE_MIN_ARTICLES)


def source_passage(art: Article, rng: random.Random) -> tuple[int, int, list[str]]:
    """PASSAGE_MIN_SENTENCES to PASSAGE_MAX_SENTENCES consecutive sentences of an article's story (none of its
    outlet's furniture), at most PASSAGE_MAX_QUOTED_SHARE of them quoting someone (a reused quotation is evidence
    of the same story, not of a copy, for copytrace and for its readers): (start, end) characters of the passage
    in the article, and its sentences."""
    spans = sentence_spans(art.text)
    texts = [art.text[s:e] for s, e in spans]
    quoted = _quoted_sentences(art.text, spans)
    furniture = [t in outlet_furniture() for t in texts]
    k = rng.randint(PASSAGE_MIN_SENTENCES, min(PASSAGE_MAX_SENTENCES, len(spans) - 1))
    starts = [i for i in range(len(spans) - k + 1) if sum(quoted[i:i + k]) <= PASSAGE_MAX_QUOTED_SHARE * k
              and not any(furniture[i:i + k])]
    i = rng.choice(starts or list(range(len(spans) - k + 1)))
    return spans[i][0], spans[i + k - 1][1], texts[i:i + k]


def insert_block(blocks: list[str], passage: str, rng: random.Random, sep: str = "\n\n") -> tuple[str, tuple[int, int]]:
    """The host's blocks (paragraphs or sentences) joined by ``sep`` with ``passage`` put between two of them, host
    text on either side; and the passage's (start, end) characters in the result."""
    at = rng.randint(1, len(blocks) - 1)
    head = sep.join(blocks[:at]) + "\n\n"
    text = head + passage + "\n\n" + sep.join(blocks[at:])
    return text, (len(head), len(head) + len(passage))


def make_partial_disguised(art: Article, host: Article, how: str, rng: random.Random, wn: WordNet,
                           rate: float = 0.0) -> tuple[str, dict]:
    """A few consecutive sentences of ``art`` spun (``how`` "spun", at ``rate``) or rewritten by the paraphrase
    rules ("paraphrase"), put between two paragraphs of ``host``: the page is a disguised copy of that passage.
    The truth's passage is [source start, end] in ``art``'s text and [start, end] in the page."""
    start, end, sents = source_passage(art, rng)
    if how == "spun":
        passage = spin(" ".join(sents), rate, rng, wn).text
        extra: dict = {"rate": rate}
    else:
        rewritten, ops = paraphrase_sentences(sents, rng, wn)
        passage, extra = "\n\n".join(group_paragraphs(rewritten)), {"ops": ops}
    text, span = insert_block(paragraphs(host.text), passage, rng)
    return text, {"host": host.doc_id, "sentences": len(sents), "passages": [{"a": [start, end], "b": list(span)}],
                  **extra}


def paragraph_span(art: Article, paragraph_range: str) -> tuple[int, int]:
    """(start, end) characters in the article's text of its paragraphs ``lo-hi`` (:func:`paragraphs`)."""
    lo, _, hi = paragraph_range.partition("-")
    counts = [len(g) for g in paragraph_groups(sentences(art.text))]
    first, last = sum(counts[:int(lo)]), sum(counts[:int(hi or lo) + 1]) - 1
    spans = sentence_spans(art.text)
    return spans[first][0], spans[last][1]


def source_sentences(art: Article, paragraph_range: str) -> int:
    """How many sentences of the article its paragraphs ``lo-hi`` hold."""
    lo, _, hi = paragraph_range.partition("-")
    return sum(map(len, paragraph_groups(sentences(art.text))[int(lo):int(hi or lo) + 1]))


# ---------------------------------------------------------------------------- corpus hygiene


def _shingles(text: str, n: int = TAINT_SHINGLE) -> set[int]:
    w = re.findall(r"\w+", text.lower())
    return set(map(hash, zip(*(w[i:] for i in range(n)))))


def containment(a: str, b: str, n: int = TAINT_SHINGLE) -> float:
    """Shared word n-grams / n-grams of the smaller side (0 when either side is empty)."""
    sa, sb = _shingles(a, n), _shingles(b, n)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


_QUOTATION = re.compile(r'["\u201c][^"\u201d\n]{0,400}["\u201d]')


@lru_cache(maxsize=8)
def _shared_shingles(news_zip: Path = DEFAULT_NEWS_ZIP, unquoted: bool = False) -> tuple[tuple[Article, ...], list[int], Counter]:
    """The articles, their shingle counts, and for each pair of articles the rare shingles (held by at most
    TAINT_MAX_DF articles) they share; with `unquoted`, of their text outside quotation marks."""
    arts = load_articles(news_zip)
    sets = [_shingles(_QUOTATION.sub(" | ", a.text) if unquoted else a.text) for a in arts]
    sizes = [len(sh) for sh in sets]
    hashes = np.fromiter(chain.from_iterable(sets), dtype=np.int64, count=sum(sizes))
    docs = np.repeat(np.arange(len(arts)), sizes)
    order = np.argsort(hashes, kind="stable")
    hashes, docs = hashes[order], docs[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    counts = np.diff(np.r_[starts, len(hashes)])
    shared: Counter = Counter()
    for s0, c in zip(starts[(counts > 1) & (counts <= TAINT_MAX_DF)].tolist(),
                     counts[(counts > 1) & (counts <= TAINT_MAX_DF)].tolist()):
        shared.update(combinations(docs[s0:s0 + c].tolist(), 2))
    return arts, sizes, shared


@lru_cache(maxsize=4)
def tainted_articles(news_zip: Path = DEFAULT_NEWS_ZIP) -> frozenset[str]:
    """Articles that already reuse text of another article of the corpus (or are exact
    duplicates).  Never used as sources, hosts or teasers: a copy of them would have
    true relatives the truth does not list."""
    arts, sizes, shared = _shared_shingles(news_zip)
    out = set()
    for (x, y), c in shared.items():
        if c / max(1, min(sizes[x], sizes[y])) >= TAINT_CONTAINMENT:
            out.update((arts[x].article_id, arts[y].article_id))
    for group in exact_duplicate_groups(news_zip, include_trivial=True):
        out.update(group)
    return frozenset(out)


def native_reuse(news_zip: Path = DEFAULT_NEWS_ZIP) -> list[tuple[str, str, int]]:
    """(article_id, article_id, shared rare shingles) of the article pairs that share at least NATIVE_MIN_SHARED
    rare shingles outside quotations: a verbatim passage of narrative, not a quote both reporters heard, below
    TAINT_CONTAINMENT or not.  A copy of one of them that is also found to copy the other is then no error the
    truth can call (see evaluate)."""
    arts, _, shared = _shared_shingles(news_zip, unquoted=True)
    pairs = ((arts[x].article_id, arts[y].article_id, c) for (x, y), c in shared.items() if c >= NATIVE_MIN_SHARED)
    return sorted((min(a, b, key=int), max(a, b, key=int), c) for a, b, c in pairs)


def exact_duplicate_groups(news_zip: Path = DEFAULT_NEWS_ZIP, include_trivial: bool = False) -> list[list[str]]:
    """Groups of article_ids with identical normalised text (6 groups; 3 are non-trivial)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for a in load_articles(news_zip):
        groups[" ".join(a.text.lower().split())].append(a.article_id)
    out = [ids for key, ids in groups.items()
           if len(ids) > 1 and (include_trivial or len(key.split()) >= MIN_IN_CORPUS_WORDS)]
    return sorted(out, key=lambda ids: int(ids[0]))


# ---------------------------------------------------------------------------- hand-written data


@dataclass(frozen=True)
class TranslationEntry:
    article_id: str
    lang: str
    paragraphs: str       # e.g. "0-1": indices of :func:`paragraphs` of the source
    split: str
    variant: str          # "translation" or "round_trip"
    via: str              # pivot language of a round trip, else ""
    path: Path


def load_translations(index: Path = TRANSLATIONS_INDEX) -> list[TranslationEntry]:
    """Rows of bench/data/translations/index.tsv (tab-separated, with a header)."""
    if not index.exists():
        return []
    with open(index, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = []
    for r in rows:
        lang = r["lang"].strip()
        out.append(TranslationEntry(r["article_id"].strip(), lang, r["paragraphs"].strip(),
                                    r["split"].strip(), r.get("variant", "translation").strip() or "translation",
                                    (r.get("via") or "").strip(), index.parent / f"{r['article_id'].strip()}.{lang}.txt"))
    return out


@dataclass(frozen=True)
class SameStoryPair:
    a_id: str
    b_id: str
    split: str
    note: str


def load_same_story(path: Path = SAME_STORY_TSV) -> list[SameStoryPair]:
    """Rows of bench/data/same_story_pairs.tsv (a_id, b_id, split, note)."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return [SameStoryPair(r["a_id"].strip(), r["b_id"].strip(), r["split"].strip(), r["note"].strip())
                for r in csv.DictReader(fh, delimiter="\t")]


# ---------------------------------------------------------------------------- build


def _scaled(n: int, scale: float) -> int:
    return n if scale >= 1.0 else max(MIN_PER_KIND_SMALL, round(n * scale))


def _eligible_sources(arts: Iterable[Article], split: str, tainted: frozenset[str]) -> list[Article]:
    return [a for a in arts if split_of(a.article_id) == split and a.article_id not in tainted
            and MIN_SOURCE_WORDS <= a.n_words <= MAX_SOURCE_WORDS]


def _truth(a: str, b: str, kind: str, split: str, **extra: object) -> dict:
    return {"a": a, "b": b, "kind": kind, "split": split, **extra}


def _derive_all(split: str, seed: int, scale: float, arts: tuple[Article, ...],
                tainted: frozenset[str]) -> tuple[list[Derived], set[str]]:
    """All derived docs of a split, plus the article ids they reference (kept when scale < 1)."""
    pool = _eligible_sources(arts, split, tainted)
    _rng(seed, split, "sources").shuffle(pool)
    others = [a for a in arts if a.article_id not in tainted and a.n_words >= MIN_SOURCE_WORDS]
    wn = wordnet() if WordNet.available() else None
    derived: list[Derived] = []
    used: set[str] = set()
    it = iter(pool)

    def take() -> Article:
        a = next(it)
        while a.article_id in used:      # already a host or a teaser
            a = next(it)
        used.add(a.article_id)
        return a

    for n in range(_scaled(N_EXACT, scale)):
        a, r = take(), _rng(seed, split, "exact", n)
        text, variant = make_exact(a, r)
        d_id = f"syn-exact-{n:04d}"
        derived.append(Derived(d_id, text, _shift_date(a.date, r), [_truth(a.doc_id, d_id, "exact", split, variant=variant)]))
    for n in range(_scaled(N_NEAR_DUPLICATE, scale)):
        a, r = take(), _rng(seed, split, "near", n)
        teaser_pool = [t for t in others if t.article_id != a.article_id]
        text, extra = make_near_duplicate(a, r, teaser_pool)
        used.update(t.removeprefix("news-") for t in extra["teasers"])
        d_id = f"syn-near-{n:04d}"
        derived.append(Derived(d_id, text, _shift_date(a.date, r),
                               [_truth(a.doc_id, d_id, "near_duplicate", split, variant="furniture", **extra)]))
    hosts = _eligible_sources(arts, split, tainted)
    _rng(seed, split, "hosts").shuffle(hosts)
    for n in range(_scaled(N_PARTIAL, scale)):
        r = _rng(seed, split, "partial", n)
        a = take()
        while len(paragraphs(a.text)) < PARTIAL_MIN_PARAGRAPHS:
            a = take()
        host = next(h for h in hosts if h.article_id not in used and h.outlet != a.outlet
                    and len(paragraphs(h.text)) >= 3)
        used.add(host.article_id)
        text, extra = make_partial(a, host, r)
        d_id = f"syn-partial-{n:04d}"
        derived.append(Derived(d_id, text, _shift_date(max(a.date or "", host.date or "") or None, r), [
            _truth(a.doc_id, d_id, "partial", split, **extra),
            _truth(host.doc_id, d_id, "partial", split, variant="host", source=a.doc_id)]))
    if wn is not None:
        for rate in SPIN_RATES:
            tag = f"spun{round(rate * 100)}"
            for n in range(_scaled(N_SPUN_PER_RATE, scale)):
                a, r = take(), _rng(seed, split, tag, n)
                res = spin("\n\n".join(paragraphs(a.text)), rate, r, wn)
                d_id = f"syn-{tag}-{n:04d}"
                derived.append(Derived(d_id, res.text, _shift_date(a.date, r), [_truth(
                    a.doc_id, d_id, "spun", split, rate=rate,
                    changed_fraction=round(res.n_changed / max(1, res.n_content), 3))]))
    for n in range(_scaled(N_PARAPHRASE, scale)):
        a, r = take(), _rng(seed, split, "para", n)
        text, ops = make_paraphrase(a, r, wn)
        d_id = f"syn-para-{n:04d}"
        derived.append(Derived(d_id, text, _shift_date(a.date, r),
                               [_truth(a.doc_id, d_id, "paraphrase", split, variant="rules", ops=ops)]))
    derived.extend(_hand_written(split, seed, scale, arts, used))
    if wn is not None:
        for how, kind, tag, count in (("spun", "partial_spun", "pspun", N_PARTIAL_SPUN),
                                      ("paraphrase", "partial_paraphrase", "ppara", N_PARTIAL_PARAPHRASE)):
            for n in range(_scaled(count, scale)):
                r = _rng(seed, split, tag, n)
                a = take()
                host = next(h for h in hosts if h.article_id not in used and h.outlet != a.outlet
                            and len(paragraphs(h.text)) >= 3)
                used.add(host.article_id)
                rate = SPIN_RATES[n % len(SPIN_RATES)]
                text, extra = make_partial_disguised(a, host, how, r, wn, rate)
                d_id = f"syn-{tag}-{n:04d}"
                derived.append(Derived(d_id, text, _shift_date(max(a.date or "", host.date or "") or None, r), [
                    _truth(a.doc_id, d_id, kind, split, **extra),
                    _truth(host.doc_id, d_id, kind, split, variant="host", source=a.doc_id)]))
    derived.extend(_partial_translations(split, seed, scale, arts))
    derived.extend(_story_translations(split, seed, scale, arts, used))
    derived.extend(_stripped_copies(split, seed, scale, arts, wn, take))
    return derived, used


def _hand_written(split: str, seed: int, scale: float, arts: tuple[Article, ...], used: set[str]) -> list[Derived]:
    """Translations and round trips from bench/data/translations."""
    by_id = {a.article_id: a for a in arts}
    entries = [e for e in load_translations() if e.split == split]
    for e in entries:
        if split_of(e.article_id) != e.split:
            raise ValueError(f"index.tsv: article {e.article_id} is in split {split_of(e.article_id)}, not {e.split}")
    trans = [e for e in entries if e.variant == "translation"]
    trips = [e for e in entries if e.variant == "round_trip"]
    if scale < 1.0:
        trans = trans[:_scaled(len(trans), scale)]
        trips = trips[:_scaled(len(trips), scale)]
    out = []
    for n, e in enumerate(trans + trips):
        a = by_id[e.article_id]
        used.add(a.article_id)
        r = _rng(seed, split, "hand", e.article_id, e.lang)
        text = e.path.read_text(encoding="utf-8").strip()
        if e.variant == "translation":
            d_id = f"syn-trans-{e.lang}-{n:04d}"
            line = _truth(a.doc_id, d_id, "translation", split, lang=e.lang, paragraphs=e.paragraphs)
        else:
            d_id = f"syn-rt-{e.via}-{n:04d}"
            line = _truth(a.doc_id, d_id, "paraphrase", split, variant="round_trip", via=e.via,
                          lang="en", paragraphs=e.paragraphs)
        out.append(Derived(d_id, text, _shift_date(a.date, r), [line]))
    return out


def _partial_translations(split: str, seed: int, scale: float, arts: tuple[Article, ...]) -> list[Derived]:
    """partial_translation: a hand-made translation of PASSAGE_MIN_SENTENCES to PASSAGE_MAX_SENTENCES source
    sentences, put between two sentences of a hand-made translation into the same language of another outlet's
    article (the host is translated too). The translations are lead excerpts, so the host is short: the passage is
    a small share of its source article but about half of the page. Only languages the suite's sentence splitter
    cuts (Latin script): a host must be cut between two sentences."""
    by_id = {a.article_id: a for a in arts}
    same_story = {frozenset((p.a_id, p.b_id)) for p in load_same_story()}
    entries = [e for e in load_translations() if e.split == split and e.variant == "translation"
               and e.lang in PARTIAL_TRANSLATION_LANGS]
    by_lang: dict[str, list[TranslationEntry]] = defaultdict(list)
    for e in entries:
        by_lang[e.lang].append(e)
    cases = []
    for lang, group in sorted(by_lang.items()):
        hosted: set[str] = set()
        for k, e in enumerate(group):
            a = by_id[e.article_id]
            if not PASSAGE_MIN_SENTENCES <= source_sentences(a, e.paragraphs) <= PASSAGE_MAX_SENTENCES:
                continue
            host = next((h for h in group[k + 1:] + group[:k] if h.article_id not in hosted
                         and by_id[h.article_id].outlet != a.outlet
                         and frozenset((e.article_id, h.article_id)) not in same_story), None)
            if host is not None:
                hosted.add(host.article_id)
                cases.append((e, host))
    if scale < 1.0:
        cases = cases[:_scaled(len(cases), scale)]
    out = []
    for n, (e, h) in enumerate(cases):
        a, host = by_id[e.article_id], by_id[h.article_id]
        r = _rng(seed, split, "ptrans", e.article_id, e.lang)
        passage = e.path.read_text(encoding="utf-8").strip()
        text, span = insert_block(_whole_sentences(h.path.read_text(encoding="utf-8").strip()), passage, r, sep=" ")
        d_id = f"syn-ptrans-{e.lang}-{n:04d}"
        passages = [{"a": list(paragraph_span(a, e.paragraphs)), "b": list(span)}]
        out.append(Derived(d_id, text, _shift_date(max(a.date or "", host.date or "") or None, r), [
            _truth(a.doc_id, d_id, "partial_translation", split, lang=e.lang, paragraphs=e.paragraphs,
                   host=host.doc_id, sentences=source_sentences(a, e.paragraphs), passages=passages),
            _truth(host.doc_id, d_id, "partial_translation", split, variant="host", source=a.doc_id, lang=e.lang,
                   paragraphs=h.paragraphs)]))
    return out


def load_story_translations(index: Path = STORY_TRANSLATIONS_INDEX) -> list[TranslationEntry]:
    """Rows of bench/data/story_translations/index.tsv (article_id, lang, paragraphs, split: the split of the
    same-story pair the translation was made for, which may differ from its article's)."""
    if not index.exists():
        return []
    with open(index, encoding="utf-8", newline="") as fh:
        return [TranslationEntry(r["article_id"].strip(), r["lang"].strip(), r["paragraphs"].strip(), r["split"].strip(),
                                 "translation", "", index.parent / f"{r['article_id'].strip()}.{r['lang'].strip()}.txt")
                for r in csv.DictReader(fh, delimiter="\t")]


def _story_translations(split: str, seed: int, scale: float, arts: tuple[Article, ...],
                        used: set[str]) -> list[Derived]:
    """Foreign-foreign cases (bench/data/story_translations): hand-made translations of the lead paragraphs of both
    sides of a same-story pair, each side into a different language, and of some articles into two languages.
    Each translation is a ``translation`` of its source (``variant: story``); two translations of one article are a
    ``translation`` of each other (``variant: foreign_pair``); translations of the two sides of a same-story pair
    are ``same_story`` (``variant: foreign``), and so is each with the other side's English original (``variant:
    cross``)."""
    by_id = {a.article_id: a for a in arts}
    entries = [e for e in load_story_translations() if e.split == split]
    if scale < 1.0:
        entries = entries[:_scaled(len(entries), scale)]
    out, docs = [], defaultdict(list)
    for n, e in enumerate(entries):
        a = by_id[e.article_id]
        used.add(a.article_id)
        r = _rng(seed, split, "story", e.article_id, e.lang)
        d_id = f"syn-strans-{e.lang}-{n:04d}"
        docs[e.article_id].append((d_id, e.lang))
        out.append(Derived(d_id, e.path.read_text(encoding="utf-8").strip(), _shift_date(a.date, r), [
            _truth(a.doc_id, d_id, "translation", split, variant="story", lang=e.lang, paragraphs=e.paragraphs)]))
    truth = {d.doc_id: d.truth for d in out}  # each pair's line goes with the derived document it names last
    for group in docs.values():
        for (x, lx), (y, ly) in combinations(group, 2):
            truth[y].append(_truth(x, y, "translation", split, variant="foreign_pair", lang=f"{lx}-{ly}"))
    for p in load_same_story():
        if p.split != split or not (docs.get(p.a_id) and docs.get(p.b_id)):
            continue
        for y, ly in docs[p.b_id]:
            truth[y] += [_truth(x, y, "same_story", split, variant="foreign", lang=f"{lx}-{ly}", note=p.note)
                         for x, lx in docs[p.a_id] if lx != ly]
        for side, other in ((p.a_id, p.b_id), (p.b_id, p.a_id)):
            for x, lx in docs[side]:
                truth[x].append(_truth(x, f"news-{other}", "same_story", split, variant="cross", lang=lx,
                                       note=p.note))
    return out

# ---------------------------------------------------------------------------- stripped of names and numbers

# Replacement pools, hand-made: names a news story about these sources is unlikely to hold, written alike in the
# suite's Latin-script languages (a place keeps its name in German, French, Spanish, Italian, Portuguese, Dutch).
STRIPPED_FIRST_NAMES = """Ingrid Marek Leila Kofi Yuki Pablo Sofia Henrik Amara Tomasz Noor Emeka Astrid Dario Mira
Oskar Anouk Rafael Selma Kenji Liesel Tariq Ines Bjorn Camila Ilse Matteo Zofia Ruben Nadia Aurelio Greta Idris
Malin Teodor Odile Lucio Hana Viggo Esme""".split()
STRIPPED_SURNAMES = """Halvorsen Okafor Lindqvist Moreau Castellanos Novak Takahashi Brennan Oyelaran Vasquez Dahlberg
Kowalczyk Ferreira Nakamura Abernathy Lindgren Rossetti Mbeki Sorensen Valdivia Kirchner Aaltonen Okonkwo Bergstrom
Delacroix Szabo Iturbe Markovic Fairbanks Holmqvist Quispe Strand Olawale Mancini Petrov Varga Hedlund Achterberg
Ibarra Lunde Ravensworth Zamora Wojcik Eklund Tamura Barrow Falk Gudmundsson Navarro Oyama""".split()
STRIPPED_PLACES = """Nepal Peru Chile Uruguay Paraguay Ecuador Oman Malta Mali Niger Ghana Togo Benin Gabon Laos Bhutan
Oslo Lima Quito Nairobi Dakar Accra Riga Tallinn Vilnius Helsinki Bergen Montevideo Santiago Manila Hanoi Osaka Perth
Adelaide Calgary Tampere Graz Salzburg Asuncion Windhoek Kampala Lusaka Harare Tbilisi Yerevan Bishkek Ulaanbaatar
Trondheim Aarhus Malmo Cusco Arequipa Valparaiso Mendoza Cebu Davao""".split()
#: English demonyms, for the English paraphrases ("the Russian minister" -> "the Chilean minister")
STRIPPED_DEMONYMS = """Peruvian Chilean Nepali Norwegian Finnish Latvian Uruguayan Kenyan Ghanaian Estonian Maltese
Bolivian Icelandic Malian Laotian Mongolian Namibian Zambian Georgian Armenian""".split()
#: places of the news (English), and their forms in the translations' languages where no spelling rule finds them
_NEWS_PLACES = """Afghanistan Africa Alabama Alaska Aleppo America Americas Arizona Arkansas Asia Athens Australia
Austria Baghdad Bahrain Baltimore Beijing Beirut Belgium Berlin Boston Brazil Britain Brussels California Canada
Caracas Chicago China Colorado Connecticut Crimea Cuba Damascus Dallas Delaware Denmark Detroit Donbas Donetsk
Dubai Egypt England Ethiopia Europe Florida France Gaza Geneva Georgia Germany Greece Hawaii Havana Idaho Illinois
India Indiana Indonesia Iowa Iran Iraq Ireland Israel Istanbul Italy Japan Jerusalem Jordan Kabul Kansas Kentucky
Kiev Kyiv Korea Kremlin Kuwait Lebanon Libya London Louisiana Maine Manchester Maryland Massachusetts Mexico Miami
Michigan Minnesota Mississippi Missouri Montana Moscow Mosul Nebraska Nevada Netherlands Nigeria Ohio Oklahoma
Oregon Pakistan Palestine Paris Pennsylvania Philadelphia Philippines Poland Portugal Qatar Raqqa Riyadh Rome Russia
Saudi Scotland Seattle Seoul Spain Sweden Switzerland Syria Taiwan Tehran Tennessee Texas Tokyo Turkey Ukraine
Utah Venezuela Vermont Vietnam Virginia Wales Washington Wisconsin Yemen Zimbabwe Ankara Cairo Canberra Ottawa
Madrid Lisbon Warsaw Vienna Prague Budapest Stockholm Copenhagen Dublin Edinburgh Brooklyn Manhattan Queens York
Jersey Carolina Dakota Hampshire Angeles Francisco Diego Orleans Vegas Kong Sudan Somalia Kenya Congo Tunisia
Algeria Morocco Myanmar Thailand Malaysia Singapore Colombia Argentina Peru Chile Ecuador Haiti Norway Finland
Iceland Hungary Romania Bulgaria Serbia Croatia Belarus Estonia Latvia Lithuania Moldova Kazakhstan Uzbekistan
Elfenbeinküste Moskau Russland Rusia Russie Rusland Rússia Estados Unidos Stati Uniti Vereinigte Vereinigten Staaten
Verenigde Staten États Unis Etats Pékin Peking Pechino Pequim Londres Londra Londen Brüssel Bruxelles Bruselas
Bruxelas Brussel Bruxelles Türkei Turquie Turquía Turchia Turquia Turkije Ägypten Égypte Egipto Egitto Egito Egypte
Kairo Caire Cairo Messico México Mexique Mexiko Allemagne Deutschland Alemania Germania Alemanha Duitsland
Frankreich Francia França Frankrijk Großbritannien Grande Bretagne Bretaña Gran Bretagna Grã Bretanha Brittannië
Inglaterra Angleterre Inghilterra Engeland Europa Europe Afrika Afrique África Asien Asie Azië Cina Chine Kina
Giappone Japon Japón Japão Corée Corea Coreia Korea Irak Irán Iraque Siria Syrien Syrie Síria Syrië Ucraina Ucrania
Ucrânia Ukraine Oekraïne Israele Israël Libia Libye Líbia Libië Kreml Kremlino Kremlin Washington""".split()
STRIPPED_LANGS = PARTIAL_TRANSLATION_LANGS   # names are found by their capitals: Latin script only
N_STRIPPED_PARAPHRASE = 40
#: capitalised words that name no one and no place: calendar words, titles, institutions (common to thousands of
#: stories: not the rare anchors a copy is found by)
_NOT_NAMES = {w.lower() for w in """I Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
March April May June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct
Nov Dec Mr Mrs Ms Dr Sen Rep Gov Gen Lt Col Sgt Capt
President Vice Senator Representative Governor Secretary Minister Prime General Chief Judge Justice Attorney Director
Chairman King Queen Prince Pope Saint St Rev Sir Lord Lady Mayor Ambassador Commissioner Speaker Leader Deputy
Foreign Defense State House Senate Congress Department Ministry Court Supreme Party Republican Republicans Democrat
Democrats Democratic Administration Government Army Navy Police Council Committee Agency Union National Federal
United States Office White Justice Republic Kingdom Minister Parliament Assembly Security Intelligence Affairs
Homeland Interior Health Education Energy Treasury Commerce Labor Transportation Agriculture News Press Associated
Reuters Post Times Journal Daily Twitter Facebook Internet TV AM PM OK""".split()}
_TITLE_WORDS = _NOT_NAMES   # a capitalised word after one of these is a name, not a sentence's first word
_CAPITALISED = re.compile(r"(?<![\w])[^\W\d_]+")
_DIGITS = re.compile(r"\d+")


def _fold(word: str) -> str:
    """Lowercase without accents: "Rússia" -> "russia"."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c))


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def spelled_alike(a: str, b: str) -> bool:
    """One name written two languages' ways ("Russland" ~ "Russia", "Siria" ~ "Syria", "Amerikaanse" ~
    "American"): folded, the same, or a shared start of 4+ letters that is most of the shorter, or few edits."""
    a, b = _fold(a), _fold(b)
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 0.4 * max(len(a), len(b)):
        return False
    prefix = len(os.path.commonprefix([a, b]))
    return (prefix >= 4 and prefix >= 0.6 * min(len(a), len(b))) or _edit_distance(a, b) <= 0.3 * max(len(a), len(b))


@lru_cache(maxsize=1)
def _news_places() -> frozenset[str]:
    return frozenset(_fold(p) for p in _NEWS_PLACES)


def _is_place(word: str) -> bool:
    folded = _fold(word)
    return folded in _news_places() or any(spelled_alike(folded, p) for p in _news_places() if p[:2] == folded[:2])


def text_names(text: str, lang: str = "en") -> set[str]:
    """The names of a text: capitalised words inside sentences (not their first words) that the text never writes
    in lower case, less calendar words, titles and institutions; all-capital acronyms too. German writes every
    noun with a capital: there only words that :func:`spelled_alike` a place of the news count (the names a German
    text shares with its source are found by :func:`stripped` from the source's)."""
    starts = _sentence_starts(text)
    lower = {m.group() for m in _CAPITALISED.finditer(text) if m.group()[:1].islower()}
    names = set()
    for m in _CAPITALISED.finditer(text):
        w = m.group()
        if not w[:1].isupper() or len(w) < 2 or w.lower() in _NOT_NAMES or w.lower() in lower:
            continue
        if m.start() in starts and not w.isupper():
            continue
        if lang == "de" and not w.isupper() and not _is_place(w):
            continue
        names.add(w)
    return names


def stripped(text: str, source: str, rng: random.Random, lang: str = "en") -> tuple[str, dict]:
    """``text`` (a copy of ``source``: a translation, a paraphrase) with every name and number replaced, so that it
    shares no name and no number with its source: the names of both texts (:func:`text_names`), and every
    capitalised word of the text that is :func:`spelled_alike` a name of the source, by names of the same kind from
    the pools above (a place by a place, a demonym by a demonym in English, an acronym by letters, a word before
    another name by a first name, any other by a surname), one replacement per name throughout the text; every run
    of digits by other digits of the same length (a year by another year). Returns the text and what was done."""
    source_names = text_names(source)
    source_folded = {_fold(w) for w in _CAPITALISED.findall(source)}
    names = text_names(text, lang)
    for w in set(_CAPITALISED.findall(text)):
        if w[:1].isupper() and len(w) >= 2 and w.lower() not in _NOT_NAMES and any(
                spelled_alike(w, s) for s in source_names):
            names.add(w)
    taken = source_folded | {_fold(w) for w in _CAPITALISED.findall(text)}
    alike = source_names | names   # a replacement spelled like a name of either text would bridge them again
    pools = {kind: [p for p in pool if _fold(p) not in taken and not any(spelled_alike(p, s) for s in alike)]
             for kind, pool in (
        ("place", STRIPPED_PLACES), ("demonym", STRIPPED_DEMONYMS), ("first", STRIPPED_FIRST_NAMES),
        ("surname", STRIPPED_SURNAMES))}
    for pool in pools.values():
        rng.shuffle(pool)
    following = {m.group(1) for m in re.finditer(r"(?<![\w])([^\W\d_]+) (?=[^\W\d_])", text)
                 if text[m.end():m.end() + 1].isupper()}
    mapping: dict[str, str] = {}
    kinds = Counter()
    for w in sorted(names, key=lambda x: (_fold(x), x)):
        folded = _fold(w)
        same = next((v for k, v in mapping.items() if _fold(k) == folded), None)
        if same:
            mapping[w] = same
            continue
        if w.isupper():
            kind, new = "acronym", "".join(rng.choice("ABCDEFGHKLMNPRSTVWZ") for _ in w)
        elif _is_place(w):
            kind = "demonym" if lang == "en" and re.search(r"(an|ese|ish|i)$", w) and not folded in _news_places() \
                else "place"
            new = pools[kind].pop() if pools[kind] else rng.choice(STRIPPED_PLACES)
        elif w in following and lang != "de":
            kind, new = "first", pools["first"].pop() if pools["first"] else rng.choice(STRIPPED_FIRST_NAMES)
        else:
            kind, new = "surname", pools["surname"].pop() if pools["surname"] else rng.choice(STRIPPED_SURNAMES)
        mapping[w] = new
        kinds[kind] += 1
    out = _CAPITALISED.sub(lambda m: mapping.get(m.group(), m.group()), text)
    source_numbers = set(_DIGITS.findall(source))
    numbers: dict[str, str] = {}

    def other_number(m: re.Match) -> str:
        d = m.group()
        if d not in numbers:
            while True:
                if len(d) == 4 and d[:2] in ("19", "20"):
                    new = str(rng.randint(1950, 2049))
                else:
                    new = "".join(str(rng.randint(1 if i == 0 and len(d) > 1 else 0, 9)) for i in range(len(d)))
                if new != d and new not in source_numbers:
                    break
            numbers[d] = new
        return numbers[d]

    out = _DIGITS.sub(other_number, out)
    return out, {"names": len({_fold(w) for w in mapping}), "name_kinds": dict(kinds), "numbers": len(numbers),
                 "shared": sorted(shared_anchors(out, source))}


def shared_anchors(copy: str, source: str) -> set[str]:
    """Names and numbers of two or more digits that a copy shares with its source (folded), as the suite sees
    names (:func:`text_names`, and any capitalised word of the copy spelled alike one of the source's)."""
    names = text_names(source)
    numbers = {d for d in _DIGITS.findall(source) if len(d) >= 2}
    out = {d for d in _DIGITS.findall(copy) if d in numbers}
    for w in _CAPITALISED.findall(copy):
        if w[:1].isupper() and w.lower() not in _NOT_NAMES and any(spelled_alike(w, s) for s in names):
            out.add(_fold(w))
    return out


def _stripped_copies(split: str, seed: int, scale: float, arts: tuple[Article, ...], wn: WordNet | None,
                     take) -> list[Derived]:
    """stripped_translation: each hand-made translation of the split into a Latin-script language
    (bench/data/translations), every name and number replaced (:func:`stripped`); stripped_paraphrase: the rule-based
    paraphrase of N_STRIPPED_PARAPHRASE fresh sources, stripped alike. The truth line's kind is the case's, reported
    as ``translation`` / ``paraphrase`` (REPORTED_AS); ``shared`` lists what the copy still shares with its source
    (calendar words, titles and institutions are no names here)."""
    by_id = {a.article_id: a for a in arts}
    entries = [e for e in load_translations() if e.split == split and e.variant == "translation"
               and e.lang in STRIPPED_LANGS]
    if scale < 1.0:
        entries = entries[:_scaled(len(entries), scale)]
    out = []
    for n, e in enumerate(entries):
        a = by_id[e.article_id]
        r = _rng(seed, split, "stripped-trans", e.article_id, e.lang)
        lo, hi = paragraph_span(a, e.paragraphs)
        text, extra = stripped(e.path.read_text(encoding="utf-8").strip(), a.text[lo:hi], r, e.lang)
        d_id = f"syn-stripped-trans-{e.lang}-{n:04d}"
        out.append(Derived(d_id, text, _shift_date(a.date, r), [
            _truth(a.doc_id, d_id, "stripped_translation", split, lang=e.lang, paragraphs=e.paragraphs, **extra)]))
    for n in range(_scaled(N_STRIPPED_PARAPHRASE, scale)):
        a, r = take(), _rng(seed, split, "stripped-para", n)
        text, ops = make_paraphrase(a, r, wn)
        text, extra = stripped(text, a.text, r)
        d_id = f"syn-stripped-para-{n:04d}"
        out.append(Derived(d_id, text, _shift_date(a.date, r),
                           [_truth(a.doc_id, d_id, "stripped_paraphrase", split, ops=ops, **extra)]))
    return out


def _whole_sentences(text: str, min_words: int = 6) -> list[str]:
    """Sentences of a translation, a piece shorter than min_words joined to the next: the splitter knows English
    abbreviations only, and cuts "MOSKAU, 15. März" after "15."."""
    out: list[str] = []
    carry = ""
    for sent in sentences(text):
        sent = f"{carry} {sent}" if carry else sent
        carry = sent if len(sent.split()) < min_words else ""
        if not carry:
            out.append(sent)
    if carry and out:
        out[-1] = f"{out[-1]} {carry}"
    elif carry:
        out.append(carry)
    return out


def _same_story_lines(split: str, scale: float) -> list[dict]:
    pairs = [p for p in load_same_story() if p.split == split]
    if scale < 1.0:
        pairs = pairs[:_scaled(len(pairs), scale)]
    return [_truth(f"news-{p.a_id}", f"news-{p.b_id}", "same_story", split, note=p.note) for p in pairs]


def _in_corpus_lines(split: str, news_zip: Path) -> list[dict]:
    """Star pairs (first id -> each other id) of the non-trivial exact duplicate groups."""
    out = []
    for group in exact_duplicate_groups(news_zip):
        if split_of(group[0]) != split:
            continue
        out += [_truth(f"news-{group[0]}", f"news-{b}", "exact", split, variant="in_corpus") for b in group[1:]]
    return out


def _write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def build(split: str, out_dir: str | Path, seed: int = 13, news_zip: Path = DEFAULT_NEWS_ZIP,
          scale: float = 1.0) -> SuiteFiles:
    """Write out_dir/corpus.jsonl and out_dir/truth.jsonl for ``split``; see module docstring."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    news_zip = Path(news_zip)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    arts = load_articles(news_zip)
    tainted = tainted_articles(news_zip)
    derived, used = _derive_all(split, seed, scale, arts, tainted)
    truth = [line for d in derived for line in d.truth]
    same = _same_story_lines(split, scale)
    in_corpus = _in_corpus_lines(split, news_zip)
    truth += same + in_corpus
    keep = _kept_originals(arts, used, truth, seed, scale)
    truth += [{"a": f"news-{x}", "b": f"news-{y}", "kind": "native_reuse", "split": split, "shared_shingles": c}
              for x, y, c in native_reuse(news_zip) if x in keep and y in keep]
    corpus = [_doc(a.doc_id, a.text, a.date) for a in arts if a.article_id in keep]
    corpus += [_doc(d.doc_id, d.text, d.date) for d in derived]
    corpus_path, truth_path = out_dir / "corpus.jsonl", out_dir / "truth.jsonl"
    _write_jsonl(corpus_path, corpus)
    _write_jsonl(truth_path, truth)
    counts = dict(Counter(t["kind"] if t.get("variant") not in ("in_corpus", "round_trip", "host")
                          else f"{t['kind']}:{t['variant']}" for t in truth))
    counts["documents"] = len(corpus)
    counts["originals"] = len(keep)
    counts["derived"] = len(derived)
    return SuiteFiles(corpus_path, truth_path, dict(sorted(counts.items())))


def _doc(doc_id: str, text: str, when: str | None) -> dict:
    return {"id": doc_id, "text": text, **({"date": when} if when else {})}


def _kept_originals(arts: tuple[Article, ...], used: set[str], truth: list[dict], seed: int, scale: float) -> set[str]:
    """All originals at scale 1; else every referenced one plus a scale-sized random sample."""
    if scale >= 1.0:
        return {a.article_id for a in arts}
    keep = set(used)
    for t in truth:
        for side in (t["a"], t["b"]):
            if side.startswith("news-"):
                keep.add(side.removeprefix("news-"))
    ids = [a.article_id for a in arts]
    keep.update(_rng(seed, "distractors").sample(ids, round(len(ids) * scale)))
    return keep


# ---------------------------------------------------------------------------- evaluate


def read_truth(truth_path: Path) -> list[dict]:
    with open(truth_path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class _Families:
    """Root sets of documents (see module docstring)."""

    def __init__(self, truth: list[dict]) -> None:
        self.parent: dict[str, str] = {}
        for t in truth:
            if t["kind"] == "exact" and t.get("variant") == "in_corpus":
                self.parent[self.find(t["b"])] = self.find(t["a"])
        self.roots: dict[str, set[str]] = defaultdict(set)
        for t in truth:
            if t["kind"] in COPY_KINDS and t.get("variant") != "in_corpus":
                self.roots[t["b"]].add(self.find(t["a"]))
        self.native = {frozenset((self.find(t["a"]), self.find(t["b"]))) for t in truth if t["kind"] == "native_reuse"}

    def find(self, x: str) -> str:
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def of(self, doc: str) -> set[str]:
        return self.roots.get(doc) or {self.find(doc)}

    def same(self, x: str, y: str) -> bool:
        return bool(self.of(x) & self.of(y))

    def natively_related(self, x: str, y: str) -> bool:
        """Some root of x and some root of y share a passage in the original corpus (native_reuse)."""
        return any(frozenset((r, q)) in self.native for r in self.of(x) for q in self.of(y))


def reported_pairs(pairs_jsonl: Path) -> list[tuple[str, str, str, list[dict]]]:
    """(a, b, kind, passages) of a scan's pairs.jsonl, for :func:`evaluate`."""
    with open(pairs_jsonl, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [(str(r["a"]), str(r["b"]), r["kind"], r.get("passages") or []) for r in rows]


def passage_found(truth_line: dict, a: str, passages: list[dict]) -> bool:
    """Whether reported passages (``{"a": [start, end], "b": [start, end]}``, ``a`` naming the reported pair's a
    side) hold PASSAGE_MIN_OVERLAP of every truth passage's characters on both of its sides."""
    flip = a != truth_line["a"]
    for want in truth_line["passages"]:
        for side, other in (("a", "b"), ("b", "a")):
            lo, hi = want[side]
            spans = [p[other if flip else side] for p in passages]
            inside = np.zeros(hi - lo, bool)
            for s, e in spans:
                inside[max(s, lo) - lo:max(min(e, hi) - lo, 0)] = True
            if inside.sum() < PASSAGE_MIN_OVERLAP * (hi - lo):
                return False
    return True


def evaluate(reported: Iterable[tuple], truth_path: Path) -> dict:
    """Score reported (a, b, kind) or (a, b, kind, passages) pairs against truth.jsonl; definitions in the module
    docstring."""
    truth = read_truth(Path(truth_path))
    fam = _Families(truth)
    first_kind: dict[frozenset, str] = {}
    first_passages: dict[frozenset, tuple[str, list[dict]]] = {}
    for a, b, kind, *passages in reported:
        key = frozenset((a, b))
        if kind in REPORTABLE_COPY_KINDS and key not in first_kind and a != b:
            first_kind[key] = kind
            first_passages[key] = (a, passages[0] if passages else [])
    derived_kind: dict[str, set[str]] = defaultdict(set)
    for t in truth:
        if t["kind"] in COPY_KINDS:
            derived_kind[t["b"]].add(t["kind"])
    touching: dict[str, list[frozenset]] = defaultdict(list)
    for key in first_kind:
        kinds = set().union(*(derived_kind.get(d, set()) for d in key))
        for k in kinds:
            touching[k].append(key)
    result: dict[str, dict] = {}
    for kind in COPY_KINDS:
        # a disguised passage's page is scored on its source; the host it was put in is scored apart
        hosted = kind in PARTIAL_DISGUISED_KINDS
        lines = [t for t in truth if t["kind"] == kind and not (hosted and t.get("variant") == "host")]
        pairs = [frozenset((t["a"], t["b"])) for t in lines]
        found = [p for p in pairs if p in first_kind]
        tp = [p for p in touching[kind] if fam.same(*tuple(p))]
        unlabelled = [p for p in touching[kind] if not fam.same(*tuple(p)) and fam.natively_related(*tuple(p))]
        expected = REPORTED_AS.get(kind, kind)
        result[kind] = {
            "recall": _ratio(len(found), len(pairs)),
            "precision": _ratio(len(tp), len(touching[kind]) - len(unlabelled)),
            "precision_strict": _ratio(len(tp), len(touching[kind])),
            "kind_accuracy": _ratio(sum(first_kind[p] == expected for p in found), len(found)),
            "n": len(pairs), "n_found": len(found), "n_reported": len(touching[kind]),
            "n_unlabelled": len(unlabelled),
        }
        with_passages = [(t, p) for t, p in zip(lines, pairs) if t.get("passages") and p in first_kind]
        if hosted:
            result[kind]["passage_recall"] = _ratio(
                sum(passage_found(t, *first_passages[p]) for t, p in with_passages), len(pairs))
            hosts = [frozenset((t["a"], t["b"])) for t in truth if t["kind"] == kind and t.get("variant") == "host"]
            result[kind]["host_recall"] = _ratio(sum(p in first_kind for p in hosts), len(hosts))
    foreign = [frozenset((t["a"], t["b"])) for t in truth if t["kind"] == "translation"
               and t.get("variant") == "foreign_pair"]
    result["translation"]["foreign_pair_recall"] = _ratio(sum(p in first_kind for p in foreign), len(foreign))
    result["translation"]["n_foreign_pair"] = len(foreign)
    same = [frozenset((t["a"], t["b"])) for t in truth if t["kind"] == "same_story"]
    result["same_story"] = {"false_copy_rate": _ratio(sum(p in first_kind for p in same), len(same)),
                            "n": len(same)}
    for variant in ("foreign", "cross"):  # translations of two reports of one event (story_translations)
        pairs = [frozenset((t["a"], t["b"])) for t in truth if t["kind"] == "same_story" and t.get("variant") == variant]
        result["same_story"][f"{variant}_false_copy_rate"] = _ratio(sum(p in first_kind for p in pairs), len(pairs))
        result["same_story"][f"n_{variant}"] = len(pairs)
    return result


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


# ---------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=SPLITS)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--score", nargs=2, type=Path, metavar=("PAIRS", "TRUTH"),
                    help="score a scan's pairs.jsonl against a suite's truth.jsonl instead of building a suite")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--news-zip", type=Path, default=DEFAULT_NEWS_ZIP)
    args = ap.parse_args(argv)
    if args.score:
        for kind, scores in evaluate(reported_pairs(args.score[0]), args.score[1]).items():
            print(kind, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}))
        return 0
    if not (args.split and args.out):
        ap.error("--split and --out are required to build a suite")
    if not args.news_zip.exists():
        print(f"news data not found: {args.news_zip} (set COPYTRACE_DATA)", file=sys.stderr)
        return 2
    if not WordNet.available():
        print(f"WordNet not found in {WORDNET_DIR}: spun copies skipped, paraphrases without synonyms",
              file=sys.stderr)
    files = build(args.split, args.out, seed=args.seed, news_zip=args.news_zip, scale=args.scale)
    print(f"corpus: {files.corpus}\ntruth:  {files.truth}")
    for k, v in files.counts.items():
        print(f"  {k:28s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
