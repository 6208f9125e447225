"""Two texts in, their relation out: the same align and classify stages a scan runs on each candidate pair."""
from __future__ import annotations

from copytrace.classify import SourceEvidence, likely_source
from copytrace.document import Document, Pair
from copytrace.engine.local import ScanConfig
from copytrace.engine.stages import align_pair, cleaned_view, detect_language, normal_form
from copytrace.fingerprint.tokens import tokenize


def compare_documents(a: Document, b: Document, config: ScanConfig | None = None) -> Pair | None:
    """The pair a scan would report for these two documents, or None when they are unrelated.

    Corpus-level furniture (lines repeated across many documents) cannot be known from two texts alone; pattern
    furniture and "Related Posts" tails are still removed."""
    config = config or ScanConfig()
    va = cleaned_view(a.id, a.text, lang=detect_language(a.text))
    vb = cleaned_view(b.id, b.text, lang=detect_language(b.text))
    hashes = tokenize([normal_form(a.text), normal_form(b.text)]).exact
    exact = bool(hashes[0] == hashes[1])
    pair = align_pair(va, vb, exact, config.layers)
    if pair is not None:
        ev = [SourceEvidence(d.id, d.date, len(d.text), len(d.text) - v.cleaned.chars) for d, v in ((a, va), (b, vb))]
        pair.source = likely_source(pair, *ev)
    return pair


def compare_texts(text_a: str, text_b: str, id_a: str = "a", id_b: str = "b", config: ScanConfig | None = None) -> Pair | None:
    return compare_documents(Document(id_a, text_a), Document(id_b, text_b), config)
