"""Deep semantic mode: every sentence of every document embedded once, and pairs nominated on nearest sentences.

The rationed semantic layer only looks where names, numbers, skeletons or leads point, so a translation or
paraphrase that keeps none of them (names and numbers rewritten, a stretch from the middle of its source) is never
compared. Here each usable sentence (deep_min_sentence_tokens tokens or more, not all quotation) keeps its deep_top_k
nearest sentences of other documents with cosine at least deep_min_cosine, found by blocked matrix products over
the L2-normalised vectors (numpy on the CPU, torch on a GPU: cosines are dot products, a block of queries against a
block of the corpus at a time, the best k kept as the blocks go by). Two sentences that are each other's near
neighbours (mutual k-nearest neighbours, robust to hub sentences that are near everything) link their documents;
a pair of documents is nominated when at least deep_min_sentences such links lie in the same order in both (the
longest chain increasing in both documents' sentence numbers; fewer when the shorter document has fewer usable
sentences, never under two), which is what a copy that went through a translator or a rewriter keeps, and what
two reports of one event sharing a fact or two do not. Alignment and classification then decide as for any
candidate. An index keeps each add's usable sentences (KeptSentences) and probes them with the same search and rule
(index.deep).

Cost: quadratic in sentences (n^2 x 512 multiply-adds), linear in memory per block; a GPU does 5M sentences (200k
news articles) in tens of seconds, a CPU small corpora only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from copytrace.arrays import argsort_keys, longest_chain, run_lengths
from copytrace.candidates.groups import pair_keys
from copytrace.config import DEFAULTS, CandidateConfig, EngineConfig
from copytrace.fingerprint.embed import DIM


@dataclass
class DocumentSentences:
    """Every sentence of some documents, embedded: what one task returns, and (concatenated) the whole corpus."""

    docs: np.ndarray  # (d,) document numbers
    keys: list[tuple]  # each document's embedding key (fingerprint.embed.document_key)
    counts: np.ndarray  # (d,) sentences of each document
    vectors: np.ndarray  # (sum(counts), DIM) float32, L2-normalised
    tokens: np.ndarray  # (sum(counts),) tokens of each sentence
    story: np.ndarray  # (sum(counts),) bool: holds story text (not all quotation or furniture)

    @classmethod
    def concatenate(cls, parts: list[DocumentSentences]) -> DocumentSentences:
        parts = sorted(parts, key=lambda p: int(p.docs[0]) if len(p.docs) else -1)
        return cls(
            np.concatenate([p.docs for p in parts]) if parts else np.zeros(0, np.int64),
            [k for p in parts for k in p.keys],
            np.concatenate([p.counts for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.vectors for p in parts]) if parts else np.zeros((0, DIM), np.float32),
            np.concatenate([p.tokens for p in parts]) if parts else np.zeros(0, np.int64),
            np.concatenate([p.story for p in parts]) if parts else np.zeros(0, bool),
        )

    def by_key(self) -> dict[tuple, np.ndarray]:
        """Each document's sentence vectors by its embedding key (views of the one matrix, no copies)."""
        ends = np.cumsum(self.counts)
        return {key: self.vectors[end - n:end] for key, n, end in zip(self.keys, self.counts.tolist(), ends.tolist())}

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The document number and the sentence number inside it of every row."""
        doc = np.repeat(self.docs, self.counts)
        first = np.repeat(np.cumsum(self.counts) - self.counts, self.counts)
        return doc, np.arange(len(doc)) - first

    def usable(self, config: CandidateConfig) -> np.ndarray:
        """Which sentences may nominate: story text, deep_min_sentence_tokens tokens or more."""
        return self.story & (self.tokens >= config.deep_min_sentence_tokens)

    def kept(self, config: CandidateConfig) -> KeptSentences:
        """The usable sentences as an index keeps them (documents numbered as `docs` numbers them)."""
        doc, position = self.rows()
        usable = self.usable(config)
        return KeptSentences(self.vectors[usable], doc[usable].astype(np.int32), position[usable].astype(np.int32))


@dataclass
class KeptSentences:
    """The usable sentences of some documents as an index segment keeps them (segments.py: sentences.*.npy): their
    vectors (float32 as embedded; float16 as a segment keeps them: half the bytes, cosines move by ~1e-3 at most,
    ~1e-4 typically, against a bar of deep_min_cosine), each sentence's document (the segment's row) and its number
    inside the document (chains are in that order)."""

    vectors: np.ndarray  # (s, DIM) float32, or float16 as kept; L2-normalised before rounding
    doc: np.ndarray  # (s,) int32
    pos: np.ndarray  # (s,) int32

    def __len__(self) -> int:
        return len(self.doc)

    def select(self, rows: np.ndarray) -> KeptSentences:
        return KeptSentences(np.asarray(self.vectors)[rows], np.asarray(self.doc)[rows], np.asarray(self.pos)[rows])

    @classmethod
    def concatenate(cls, parts: list[KeptSentences], shifts: list[int]) -> KeptSentences:
        """The parts one after the other, each one's documents shifted by its shift."""
        return cls(np.concatenate([np.zeros((0, DIM), np.float16)] + [np.asarray(p.vectors) for p in parts]
                                  ).astype(np.float16),
                   np.concatenate([np.zeros(0, np.int32)] + [np.asarray(p.doc) + s for p, s in zip(parts, shifts)]
                                  ).astype(np.int32),
                   np.concatenate([np.zeros(0, np.int32)] + [np.asarray(p.pos) for p in parts]))


def deep_candidates(
    sentences: DocumentSentences, config: CandidateConfig = DEFAULTS.candidates,
    sizes: EngineConfig = EngineConfig(), device: str = "cpu",
) -> np.ndarray:
    """Pair keys (candidates.groups.pair_keys) of the documents whose sentences are each other's near neighbours, at
    least deep_min_sentences of them in order."""
    doc, position = sentences.rows()
    usable = np.flatnonzero(sentences.usable(config))
    if len(usable) < 2:
        return np.zeros(0, np.int64)
    vectors = sentences.vectors[usable]
    cos, idx = nearest(vectors, doc[usable], vectors, doc[usable], config.deep_top_k, sizes, device)
    src, dst = near_edges(cos, idx, config.deep_min_cosine)
    src, dst = mutual(src, dst)
    per_doc = np.bincount(doc[usable], minlength=int(doc.max()) + 1)
    return ordered_pairs(doc[usable][src], position[usable][src], doc[usable][dst], position[usable][dst], per_doc,
                         config.deep_min_sentences)


def nearest(
    queries: np.ndarray, query_doc: np.ndarray, corpus: np.ndarray, corpus_doc: np.ndarray, k: int,
    sizes: EngineConfig = EngineConfig(), device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """Each query row's k nearest corpus rows of other documents (a corpus row of document -1 is never one: a
    removed document's): their cosines (-inf where there are fewer) and row numbers, (len(queries), k) each. The
    corpus may be float16 (an index's kept sentences): each block is compared in float32 on a CPU."""
    search = _torch_nearest if device in ("cuda", "cpu-torch") else _numpy_nearest
    return search(queries, query_doc, corpus, corpus_doc, k, sizes, device)


def best_of(cos: np.ndarray, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of each row's candidates (cosines and row numbers side by side)."""
    if cos.shape[1] <= k:
        return cos, idx
    top = np.argpartition(-cos, k - 1, axis=1)[:, :k]
    return np.take_along_axis(cos, top, axis=1), np.take_along_axis(idx, top, axis=1)


def near_edges(cos: np.ndarray, idx: np.ndarray, min_cosine: float) -> tuple[np.ndarray, np.ndarray]:
    """The edges (query row, corpus row) of nearest() whose cosine is min_cosine or more."""
    near = cos >= min_cosine
    return np.broadcast_to(np.arange(len(cos))[:, None], near.shape)[near], idx[near]


def mutual(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The edges src -> dst whose reverse is an edge too, once each (src < dst)."""
    lo, hi = np.minimum(src, dst).astype(np.int64), np.maximum(src, dst).astype(np.int64)
    edge = (lo << 32) | hi
    order = argsort_keys(edge)
    starts, counts = run_lengths(edge[order])
    both = edge[order[starts[counts >= 2]]]
    return both >> 32, both & 0xFFFFFFFF


def ordered_pairs(
    doc_a: np.ndarray, pos_a: np.ndarray, doc_b: np.ndarray, pos_b: np.ndarray, usable_per_doc: np.ndarray,
    min_sentences: int,
) -> np.ndarray:
    """Pair keys of the document pairs whose linked sentences (doc_a[k], pos_a[k]) ~ (doc_b[k], pos_b[k]) hold a
    chain of at least min_sentences increasing in both (fewer when one side has fewer usable sentences, never under
    two)."""
    swap = doc_a > doc_b
    doc_a, doc_b = np.where(swap, doc_b, doc_a), np.where(swap, doc_a, doc_b)
    pos_a, pos_b = np.where(swap, pos_b, pos_a), np.where(swap, pos_a, pos_b)
    keys = pair_keys(doc_a, doc_b)
    # within a sentence of a, its links in b last to first: a strictly increasing chain then takes one of them
    order = np.lexsort((-pos_b, pos_a, keys))
    starts, counts = run_lengths(keys[order])
    need = np.minimum(min_sentences, np.minimum(usable_per_doc[doc_a[order[starts]]],
                                                usable_per_doc[doc_b[order[starts]]]))
    # one sentence near another is what two reports of one event share: never fewer than two links
    need = np.maximum(need, min(2, min_sentences))
    found = []
    for s, n, wanted in zip(starts.tolist(), counts.tolist(), need.tolist()):
        if n >= wanted and longest_chain(pos_b[order[s:s + n]].tolist()) >= wanted:
            found.append(int(keys[order[s]]))
    return np.asarray(sorted(found), np.int64)


def _numpy_nearest(
    queries: np.ndarray, query_doc: np.ndarray, corpus: np.ndarray, corpus_doc: np.ndarray, k: int,
    sizes: EngineConfig, device: str,
) -> tuple[np.ndarray, np.ndarray]:
    """nearest() in blocks of deep_block_rows x deep_block_cols cosines."""
    n = len(queries)
    cos_out = np.full((n, k), -np.inf, np.float32)
    idx_out = np.zeros((n, k), np.int64)
    for q in range(0, n, sizes.deep_block_rows):
        rows = slice(q, min(q + sizes.deep_block_rows, n))
        block = np.asarray(queries[rows], np.float32)
        best_cos, best_idx = cos_out[rows], idx_out[rows]
        for c in range(0, len(corpus), sizes.deep_block_cols):
            cols = slice(c, min(c + sizes.deep_block_cols, len(corpus)))
            cos = block @ np.asarray(corpus[cols], np.float32).T
            cos[(query_doc[rows][:, None] == corpus_doc[cols][None, :]) | (corpus_doc[cols] < 0)[None, :]] = -np.inf
            best_cos, best_idx = best_of(
                np.concatenate([best_cos, cos], axis=1),
                np.concatenate([best_idx, np.broadcast_to(np.arange(cols.start, cols.stop), cos.shape)], axis=1), k)
        cos_out[rows], idx_out[rows] = best_cos, best_idx
    return cos_out, idx_out


def _torch_nearest(
    queries: np.ndarray, query_doc: np.ndarray, corpus: np.ndarray, corpus_doc: np.ndarray, k: int,
    sizes: EngineConfig, device: str,
) -> tuple[np.ndarray, np.ndarray]:
    """_numpy_nearest with torch: float16 products on a GPU (cosines within ~1e-3, far finer than the bar)."""
    import torch

    dev = torch.device("cuda" if device == "cuda" else "cpu")
    dtype = torch.float16 if dev.type == "cuda" else torch.float32
    block_rows, block_cols = ((sizes.deep_gpu_block_rows, sizes.deep_gpu_block_cols) if dev.type == "cuda"
                              else (sizes.deep_block_rows, sizes.deep_block_cols))
    n = len(queries)
    with torch.inference_mode():
        v = torch.from_numpy(np.ascontiguousarray(queries)).to(dev, dtype)
        d = torch.from_numpy(np.ascontiguousarray(query_doc, np.int64)).to(dev)
        w = v if corpus is queries else torch.from_numpy(np.ascontiguousarray(corpus)).to(dev, dtype)
        e = d if corpus_doc is query_doc else torch.from_numpy(np.ascontiguousarray(corpus_doc, np.int64)).to(dev)
        cos_out, idx_out = [], []
        for q in range(0, n, block_rows):
            rows = slice(q, min(q + block_rows, n))
            best_cos = torch.full((rows.stop - q, k), -torch.inf, device=dev)
            best_idx = torch.zeros((rows.stop - q, k), dtype=torch.int64, device=dev)
            for c in range(0, len(w), block_cols):
                cols = slice(c, min(c + block_cols, len(w)))
                cos = (v[rows] @ w[cols].T).float()
                cos.masked_fill_((d[rows][:, None] == e[cols][None, :]) | (e[cols] < 0)[None, :], -torch.inf)
                cand_cos = torch.cat([best_cos, cos], dim=1)
                cand_idx = torch.cat([best_idx, torch.arange(cols.start, cols.stop, device=dev).expand(cos.shape)],
                                     dim=1)
                best_cos, top = torch.topk(cand_cos, min(k, cand_cos.shape[1]), dim=1)
                best_idx = torch.gather(cand_idx, 1, top)
            cos_out.append(best_cos.cpu())
            idx_out.append(best_idx.cpu())
    if not cos_out:
        return np.full((0, k), -np.inf, np.float32), np.zeros((0, k), np.int64)
    return torch.cat(cos_out).numpy(), torch.cat(idx_out).numpy()
