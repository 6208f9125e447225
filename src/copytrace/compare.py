"""Two texts in, their relation out: the same align and classify stages a scan runs on each candidate pair."""
from __future__ import annotations

from copytrace.align.cascade import cleaned_view
from copytrace.classify import relate
from copytrace.config import ScanConfig
from copytrace.document import Document, Pair, SourceEvidence
from copytrace.fingerprint.language import detect_language
from copytrace.origin import likely_source
from copytrace.text.tokens import normal_form, tokenize


def compare_documents(a: Document, b: Document, config: ScanConfig | None = None) -> Pair | None:
    """The pair a scan would report for these two documents, or None when they are unrelated.

    Corpus-level furniture (lines repeated across many documents) cannot be known from two texts alone; pattern
    furniture and "Related Posts" tails are still removed."""
    config = config or ScanConfig()
    t = config.thresholds
    va, vb = (cleaned_view(d.id, d.text, lang=detect_language(d.text, t.fingerprint), thresholds=t) for d in (a, b))
    hashes = tokenize([normal_form(a.text), normal_form(b.text)]).exact
    exact = bool(hashes[0] == hashes[1])
    pair = relate(va, vb, exact, config.layers, thresholds=t)
    if pair is not None:
        ev = [SourceEvidence(d.id, d.date, len(d.text), len(d.text) - v.cleaned.chars) for d, v in ((a, va), (b, vb))]
        pair.source = likely_source(pair, *ev, t.classify)
    return pair


def compare_texts(text_a: str, text_b: str, id_a: str = "a", id_b: str = "b", config: ScanConfig | None = None) -> Pair | None:
    return compare_documents(Document(id_a, text_a), Document(id_b, text_b), config)
