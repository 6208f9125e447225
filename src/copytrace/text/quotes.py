"""Quotations: what independent reports of one event share legitimately, word for word.

Quotations in the common typographic conventions (" “” „“ «» ‘’ 「」 『』), at most TextConfig.max_quote_chars long and
never across a line break. A straight double quote opens only after a space or bracket and before a non-space, and
closes only after a non-space and before a non-word character: scraped text is full of stray quote marks (mangled
apostrophes: 'Athletes"?Commission') that must not turn half a page into a "quote". A quotation left open at a
paragraph's end whose next paragraph opens with the same mark goes on there (news style), so that paragraph is
quoted too. Single curly quotes double as apostrophes, so a quotation in them must be
TextConfig.min_single_quote_chars long. The scanner runs in the compiled core.
"""
from __future__ import annotations

import numpy as np

from copytrace import native
from copytrace.config import DEFAULTS, TextConfig


def quote_bounds(text: str, config: TextConfig = DEFAULTS.text) -> np.ndarray:
    """Start and end (quote marks included) of each quotation in text, flattened: [s0, e0, s1, e1, ...]."""
    return native.quote_bounds(text, config.max_quote_chars, config.min_single_quote_chars)


def inside_quotes(text: str, starts: np.ndarray, config: TextConfig = DEFAULTS.text) -> np.ndarray:
    """For tokens starting at these character offsets of text: whether each sits inside a quotation."""
    bounds = quote_bounds(text, config)
    # a token is inside a quote when an odd number of quote boundaries precede its start
    return (np.searchsorted(bounds, starts, side="right") % 2) == 1
