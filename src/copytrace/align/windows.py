"""Long documents: where in a document of millions of tokens a short one's copy can be, so that only there is
aligned.

A copy of part of a long text lies where the short text's evidence is: its seed shingles (verbatim, lightly edited
and reworded copies keep some) and its anchors, names and numbers (translated ones keep those). Seed hits (anchor
hits where no seed is shared) closer than twice window_pad_tokens join into one stretch, kept with
window_pad_tokens either side and widened to whole sentences; stretches are ranked by the distinct seeds and anchors
of the short text they hold, those under window_min_hit_share of the best one's dropped (chance phrases the long
text holds, a refrain it repeats), and the richest kept up to window_max_tokens. The long side is
then aligned as a window view (TextView.window): offsets into the original, shares of the whole document.
(The numbers are AlignConfig's.)
"""
from __future__ import annotations

import numpy as np

from copytrace.config import DEFAULTS, AlignConfig
from copytrace.text.tokens import is_member
from copytrace.text.view import TextView


def window_ranges(long: TextView, short: TextView, config: AlignConfig = DEFAULTS.align) -> list[tuple[int, int]]:
    """Token ranges [start, end) of `long`, sorted and disjoint, where `short`'s evidence lies (see the module)."""
    k, n = config.seed_words, len(long)
    seeds = long.seed_shingles(k)
    seed_hit = np.flatnonzero(is_member(seeds, short.seed_shingles(k)) & long.story[:len(seeds)])
    anchor_hit = np.flatnonzero(long.anchors & long.story & is_member(long.hashes, short.hashes[short.anchors]))
    # stretches are made of seed hits, or of anchors where no seed is shared (a translation): a name the long text
    # repeats every few sentences would chain its anchors into one stretch as long as the text
    pos = seed_hit if len(seed_hit) else anchor_hit
    if len(pos) == 0:
        return []
    pad = config.window_pad_tokens
    cut = np.flatnonzero(np.diff(pos) > 2 * pad)
    first, last = pos[np.concatenate(([0], cut + 1))], pos[np.concatenate((cut, [len(pos) - 1]))]
    # a stretch weighs the distinct seeds and anchors of the short text it holds: a refrain or a name the long
    # text repeats counts once
    keys = np.concatenate((seeds[seed_hit], long.hashes[anchor_hit]))
    where = np.concatenate((seed_hit, anchor_hit))
    stretch = np.searchsorted(first - pad, where, side="right") - 1
    inside = (stretch >= 0) & (where <= last[np.maximum(stretch, 0)] + pad)
    held = np.unique(np.stack([stretch[inside].astype(np.uint64), keys[inside]]), axis=1)[0].astype(np.int64)
    hits = np.bincount(held, minlength=len(first))
    # widened to whole sentences: a sentence cut at a window's border would be compared as a fragment
    sentences = long.sentence_starts
    lo_char = long.starts[np.maximum(first - pad, 0)]
    hi_char = long.ends[np.minimum(last + k + pad, n) - 1]
    lo_char = sentences[np.searchsorted(sentences, lo_char, side="right") - 1]
    nxt = np.searchsorted(sentences, hi_char, side="left")
    lo = np.searchsorted(long.starts, lo_char, side="left")
    hi = np.where(nxt < len(sentences), np.searchsorted(long.starts, sentences[np.minimum(nxt, len(sentences) - 1)],
                                                        side="left"), n)
    kept, total = [], 0
    for w in np.argsort(-hits, kind="stable").tolist():
        if hits[w] < config.window_min_hit_share * hits.max():
            break
        size = int(hi[w] - lo[w])
        if kept and total + size > config.window_max_tokens:
            continue
        kept.append((int(lo[w]), min(int(hi[w]), int(lo[w]) + config.window_max_tokens)))
        total += kept[-1][1] - kept[-1][0]
    kept.sort()
    merged: list[tuple[int, int]] = []
    for s, e in kept:  # widened windows may overlap
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def windowed(a: TextView, b: TextView, config: AlignConfig = DEFAULTS.align) -> tuple[TextView, TextView]:
    """The pair to align: as it is, or with its longer side cut to its windows when that side is longer than
    window_min_tokens."""
    if max(len(a), len(b)) <= config.window_min_tokens:
        return a, b
    if len(a) >= len(b):
        return a.window(window_ranges(a, b, config), config.seed_words), b
    return a, b.window(window_ranges(b, a, config), config.seed_words)
