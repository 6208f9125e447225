"""Candidates across languages: a translation shares its source's numbers and names, not its words.

Each document outside the corpus's main language is compared, on anchors alone (numbers of two or more digits,
capitalised words), with every document in another language that holds any of its anchors. Shared anchors are
weighted by rarity (idf = log(N / df)): "Trump" is shared by a thousand articles, "Oroville" by a few. Each such
document keeps its crosslingual_top_k partners by weight, if they share at least crosslingual_min_shared_anchors;
alignment on sentence embeddings then decides. Anchors held by more than crosslingual_max_doc_freq documents are too
common to rank anything. A wider list of each document's best-anchored partners (lead_shortlist) is narrowed by lead
embeddings (candidates.neighbours); both lists come from one ranking.

A document in another script (Russian, Arabic, Chinese, Korean) writes names its own way: its only anchors are
numbers, and a few at most bridge to another language; a story that names no one ("the capital", "parliament")
has none that is rare. So candidates.neighbours also compares each such document's lead with every other-language
document's.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from copytrace.arrays import argsort_keys, unique_values
from copytrace.candidates.groups import pair_keys
from copytrace.config import DEFAULTS, CandidateConfig


@dataclass(frozen=True)
class Population:
    """The corpus the documents at hand are part of, where they are not all of it (an index's documents near a
    new batch): how many documents it holds, its main language and how many languages it has."""

    documents: int
    main_language: str | None
    languages: int

    @classmethod
    def of(cls, counts: Counter) -> Population:
        """From the count of documents in each language (None: unknown)."""
        known = Counter({lang: n for lang, n in counts.items() if lang})
        main = known.most_common(1)[0][0] if known else None
        return cls(sum(counts.values()), main, len(known))


def _language_codes(
    langs: list[str | None], population: Population | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each document's language as a number (-1: unknown) and the documents outside the corpus's main language;
    None for a corpus in one language. The corpus is these documents, or the population they are part of."""
    counts = Counter(lang for lang in langs if lang)
    if population is None:
        population = Population(len(langs), counts.most_common(1)[0][0] if counts else None, len(counts))
    if population.languages < 2:
        return None
    codes = {lang: n for n, lang in enumerate(sorted(set(counts) | {population.main_language}))}
    lang_code = np.array([codes.get(lang, -1) for lang in langs])
    main = codes[population.main_language]
    return lang_code, np.flatnonzero((lang_code >= 0) & (lang_code != main))


def crosslingual_candidates(
    anchor_doc: np.ndarray, anchor_hash: np.ndarray, langs: list[str | None], tops: tuple[int, ...],
    config: CandidateConfig = DEFAULTS.candidates, population: Population | None = None,
) -> list[np.ndarray]:
    """For each top k of `tops`: pair keys of (document outside the main language, its k best-anchored partners in
    other languages), from one ranking. Rarity is counted in `population` where given (the anchors' rows must then
    be all of the population's rows for each anchor held here)."""
    coded = _language_codes(langs, population)
    if coded is None or len(anchor_hash) == 0:
        return [np.empty(0, np.int64) for _ in tops]
    lang_code, foreign = coded

    order = argsort_keys(anchor_hash)
    docs, hashes = anchor_doc[order], anchor_hash[order]
    lo_all = np.searchsorted(hashes, hashes, "left")
    df = np.searchsorted(hashes, hashes, "right") - lo_all
    idf = np.log((population.documents if population else len(langs)) / df)
    # each document's rows of the hash-sorted index, found by a second sort on the document (never a scan per
    # document: a corpus may hold many documents outside its main language)
    usable = np.flatnonzero(df <= config.crosslingual_max_doc_freq)
    by_doc = usable[argsort_keys(docs[usable].astype(np.int64))]
    doc_bounds = np.searchsorted(docs[by_doc], np.arange(len(langs) + 1), "left")

    out: list[list[np.ndarray]] = [[] for _ in tops]
    for d in foreign.tolist():
        mine = by_doc[doc_bounds[d]:doc_bounds[d + 1]]
        if len(mine) == 0:
            continue
        starts, sizes = lo_all[mine], df[mine]
        holders = np.concatenate([docs[s:s + n] for s, n in zip(starts.tolist(), sizes.tolist())])
        weights = np.repeat(idf[mine], sizes)
        other = (lang_code[holders] >= 0) & (lang_code[holders] != lang_code[d])
        holders, weights = holders[other], weights[other]
        if len(holders) == 0:
            continue
        partners, inverse = np.unique(holders, return_inverse=True)
        score = np.bincount(inverse, weights=weights)
        shared = np.bincount(inverse)
        ranked = np.argsort(-score)
        for found, k in zip(out, tops):
            best = ranked[:k]
            best = best[shared[best] >= config.crosslingual_min_shared_anchors]
            found.append(pair_keys(np.full(len(best), d), partners[best]))
    return [unique_values(np.concatenate(found)) if found else np.empty(0, np.int64) for found in out]


def foreign_documents(langs: list[str | None], population: Population | None = None) -> np.ndarray:
    """The documents outside the corpus's main language (none for a corpus in one language)."""
    coded = _language_codes(langs, population)
    return np.empty(0, np.int64) if coded is None else coded[1]
