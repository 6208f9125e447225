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

import numpy as np

from copytrace.arrays import argsort_keys, unique_values
from copytrace.candidates.groups import pair_keys
from copytrace.config import DEFAULTS, CandidateConfig


def _language_codes(langs: list[str | None]) -> tuple[np.ndarray, np.ndarray] | None:
    """Each document's language as a number (-1: unknown) and the documents outside the corpus's main language;
    None for a corpus in one language."""
    counts = Counter(lang for lang in langs if lang)
    if len(counts) < 2:
        return None
    codes = {lang: n for n, lang in enumerate(sorted(counts))}
    lang_code = np.array([codes.get(lang, -1) for lang in langs])
    main = codes[counts.most_common(1)[0][0]]
    return lang_code, np.flatnonzero((lang_code >= 0) & (lang_code != main))


def crosslingual_candidates(
    anchor_doc: np.ndarray, anchor_hash: np.ndarray, langs: list[str | None], tops: tuple[int, ...],
    config: CandidateConfig = DEFAULTS.candidates,
) -> list[np.ndarray]:
    """For each top k of `tops`: pair keys of (document outside the main language, its k best-anchored partners in
    other languages), from one ranking."""
    coded = _language_codes(langs)
    if coded is None or len(anchor_hash) == 0:
        return [np.empty(0, np.int64) for _ in tops]
    lang_code, foreign = coded

    order = argsort_keys(anchor_hash)
    docs, hashes = anchor_doc[order], anchor_hash[order]
    lo_all = np.searchsorted(hashes, hashes, "left")
    df = np.searchsorted(hashes, hashes, "right") - lo_all
    idf = np.log(len(langs) / df)
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


def foreign_documents(langs: list[str | None]) -> np.ndarray:
    """The documents outside the corpus's main language (none for a corpus in one language)."""
    coded = _language_codes(langs)
    return np.empty(0, np.int64) if coded is None else coded[1]
