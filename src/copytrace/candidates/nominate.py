"""Which pairs deserve a look, in one call: every index of the corpus's fingerprints nominates pairs, and the union
goes on to alignment.

- exact: members of a group of identical texts;
- MinHash LSH banding: reposts and versions (candidates.lsh);
- sampled shingles, skeleton n-grams and content-word pairs on one diagonal: passages copied, spun or reworded
  inside texts of any size (candidates.shared); furniture shingles are left out;
- anchors across languages, and the leads nearest to foreign documents' leads and later sentences
  (candidates.crosslingual, candidates.neighbours): translations, whole or of a passage;
- quotations: reports quoting the same words; a pair only this index nominates is aligned as two reports of one
  event (`quotes_only`).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from copytrace.arrays import argsort_keys, run_lengths, unique_values
from copytrace.candidates.crosslingual import Population, crosslingual_candidates, foreign_documents
from copytrace.candidates.groups import pair_keys
from copytrace.candidates.lsh import lsh_candidates
from copytrace.candidates.neighbours import lead_neighbours, neighbour_candidates, stretch_neighbours
from copytrace.candidates.shared import shared_passage_candidates
from copytrace.config import DEFAULTS, CandidateConfig
from copytrace.fingerprint.keys import Fingerprints, KeyIndex
from copytrace.text.tokens import is_member


#: corpora from which the indexes are built in threads (starting them costs more than a small corpus's work)
_THREADED_DOCS = 2000


@dataclass
class Nomination:
    keys: np.ndarray  # sorted pair keys (candidates.groups.pair_keys) of every nominated pair
    quotes_only: np.ndarray  # of those, the ones only the quotation index nominated
    shortlist: np.ndarray  # pairs across languages whose leads are compared (with_lead_neighbours)
    foreign: np.ndarray  # documents outside the corpus's main language (none in a corpus of one language)

    def involving(self, first_new: int, old_partners_only: bool = False) -> Nomination:
        """Only the pairs that involve a document numbered first_new or above (a pair key holds the higher number
        in its low half, the lower in its high half); with old_partners_only, each with one below."""
        def new(keys: np.ndarray) -> np.ndarray:
            keep = (keys & 0xFFFFFFFF) >= first_new
            if old_partners_only:
                keep &= (keys >> 32) < first_new
            return keys[keep]

        return Nomination(new(self.keys), new(self.quotes_only), new(self.shortlist), self.foreign)

    def joined(self, other: Nomination) -> Nomination:
        """Both nominations' pairs (a pair only one of them calls quotes-only stays so)."""
        keys = unique_values(np.concatenate([self.keys, other.keys]))
        quotes_only = unique_values(np.concatenate([
            self.quotes_only[~is_member(self.quotes_only, other.keys)],
            other.quotes_only[~is_member(other.quotes_only, self.keys)],
        ]))
        return Nomination(keys, quotes_only, self.shortlist, self.foreign)

    def with_lead_neighbours(
        self, vectors: dict[int, np.ndarray], langs: list[str | None], config: CandidateConfig = DEFAULTS.candidates,
        stretches: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Nomination:
        """The nomination widened by lead embeddings (`vectors` of every document with a language): shortlisted
        pairs whose leads are near, each foreign document's nearest leads in other languages, and each of its
        stretches' (`stretches`: the foreign documents' stretch vectors and the document of each,
        candidates.neighbours.stretch_leads)."""
        stretch_docs, stretch_vectors = stretches if stretches is not None else (np.empty(0, np.int64), None)
        neighbours = unique_values(np.concatenate([
            neighbour_candidates(self.shortlist, vectors, config),
            lead_neighbours(self.foreign, vectors, langs, config),
            stretch_neighbours(stretch_docs, stretch_vectors, vectors, langs, config),
        ]))
        keys = unique_values(np.concatenate([self.keys, neighbours]))
        return Nomination(keys, self.quotes_only[~is_member(self.quotes_only, neighbours)], self.shortlist,
                          self.foreign)


def exact_candidates(exact: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Each member of a group of identical texts paired with the group's first member (a star, not a clique)."""
    idx = np.flatnonzero(usable)
    order = idx[argsort_keys(exact[idx])]
    starts, sizes = run_lengths(exact[order])
    head = np.repeat(order[starts], sizes)
    keep = np.ones(len(order), bool)
    keep[starts] = False
    return pair_keys(head[keep], order[keep])


def _passages(index: KeyIndex, min_shared: int, max_doc_freq: int, band: int, config: CandidateConfig,
              new_from: int = 0) -> np.ndarray:
    return shared_passage_candidates(index.doc, index.key, index.pos, min_shared, max_doc_freq, band,
                                     config.max_pair_rows, new_from)


def nominate(
    fp: Fingerprints, furniture: np.ndarray, layers: tuple[str, ...], config: CandidateConfig = DEFAULTS.candidates,
    threads: int = 0, population: Population | None = None, new_from: int = 0,
) -> Nomination:
    """Every pair some index nominates. The indexes are independent and spend their time in numpy and the compiled
    core, which let go of the GIL: they are built in `threads` threads at once (0: one per core). Each index is
    sorted by key (Fingerprints.sort_indexes). `population`: the corpus these documents are part of, where they are
    not all of it (candidates.crosslingual; its size scales the caps, CandidateConfig.doc_freq_cap); `new_from`: the
    pairs of documents below it are not wanted (an index's neighbours of a new batch), so the key indexes need not
    enumerate them."""
    shingles = fp.shingles.select(~is_member(fp.shingles.key, furniture))
    documents = population.documents if population is not None else len(fp)

    def cap(value: int) -> int:
        return config.doc_freq_cap(value, documents)

    jobs = [
        lambda: exact_candidates(fp.exact, fp.n_tokens > 0),
        lambda: lsh_candidates(fp.signatures, fp.n_shingles > 0, config, new_from, cap(config.max_bucket)),
        lambda: _passages(shingles, config.shingle_min_shared, cap(config.shingle_max_doc_freq),
                          config.shingle_band, config, new_from),
    ]
    if fp.skeleton is not None:
        jobs.append(lambda: _passages(fp.skeleton, config.skeleton_min_shared, cap(config.skeleton_max_doc_freq),
                                      config.skeleton_band, config, new_from))
        jobs.append(lambda: _passages(fp.content, config.content_min_shared, cap(config.content_max_doc_freq),
                                      config.content_band, config, new_from))
    crosslingual = "semantic" in layers and fp.anchors is not None
    if crosslingual:
        tops = (config.crosslingual_top_k, config.lead_shortlist)
        jobs.append(lambda: crosslingual_candidates(fp.anchors.doc, fp.anchors.key, fp.langs, tops, config,
                                                    population))
    if fp.quotes is not None:  # last: its keys are told apart below
        jobs.append(lambda: _passages(fp.quotes, config.quote_min_shared, cap(config.quote_max_doc_freq),
                                      config.quote_band, config, new_from))
    threads = max(1, threads or os.cpu_count() or 1)
    if threads == 1 or len(fp) < _THREADED_DOCS:
        keys = [job() for job in jobs]
    else:
        with ThreadPoolExecutor(threads) as pool:
            keys = list(pool.map(lambda job: job(), jobs))
    quoted = keys.pop() if fp.quotes is not None else np.empty(0, np.int64)
    shortlist = np.empty(0, np.int64)
    if crosslingual:
        ranked, shortlist = keys.pop()
        keys.append(ranked)
    copies = unique_values(np.concatenate(keys))
    foreign = foreign_documents(fp.langs, population) if crosslingual else np.empty(0, np.int64)
    return Nomination(unique_values(np.concatenate([copies, quoted])), quoted[~is_member(quoted, copies)],
                      shortlist, foreign)
