"""Closed-class English words: the skeleton a spinner leaves in place.

Article spinners swap content words (nouns, verbs, adjectives, adverbs) for synonyms and keep the function words
and their order (Stamatatos 2011; PAN 2012 stopword n-grams). Words that spinners themselves like to rewrite are left
out on purpose: "said" (-> "stated"), "also" (-> "additionally"), "however", "many" (-> "numerous"), "about"
(-> "approximately"), "big"/"new" and the like are content words to a spinner.
"""
from __future__ import annotations

import numpy as np

from copytrace.text.tokens import is_member, per_document_counts, tokenize

FUNCTION_WORDS = tuple("""
a an the this that these those
i me my mine we us our ours you your yours he him his she her hers it its they them their theirs
myself yourself himself herself itself ourselves themselves
who whom whose which what where when why how whether
and or but nor so yet if then than because although though while unless until since as
of in on at by for with from to into onto upon over under between among through during before after
above below against across along around behind beyond within without toward towards via
is am are was were be been being has have had having do does did
will would shall should can could may might must
not no there here all any each every both either neither some such other another same own
""".split())

#: English words with no common look-alike in the other major languages (not "a", "in", "an", "so", "was", "will"):
#: they make up a fifth to a third of any English text, and next to nothing of a text in another language.
ENGLISH_MARKERS = ("the", "of", "and", "to", "is", "that", "with", "for", "were", "it", "this", "by", "from",
                   "have", "has", "been", "are", "which", "would", "their", "they", "he", "she", "his")
#: function words so frequent that an n-gram made only of them says nothing (PAN 2012's exclusion set)
TRIVIAL_WORDS = ("the", "of", "and", "a", "in", "to")


def _hashes(words: tuple[str, ...]) -> np.ndarray:
    return np.sort(tokenize([" ".join(words)]).hashes)


FUNCTION_HASHES = _hashes(FUNCTION_WORDS)
ENGLISH_HASHES = _hashes(ENGLISH_MARKERS)
TRIVIAL_HASHES = _hashes(TRIVIAL_WORDS)


def is_function(hashes: np.ndarray) -> np.ndarray:
    return is_member(hashes, FUNCTION_HASHES)


def is_trivial(hashes: np.ndarray) -> np.ndarray:
    return is_member(hashes, TRIVIAL_HASHES)


def plainly_english(hashes: np.ndarray, doc_offsets: np.ndarray, min_tokens: int, min_marker_share: float) -> np.ndarray:
    """Per document of a batch: at least min_tokens long and so full of English markers (min_marker_share) that it
    is English (the stopword method of language identification, a cheap first step before the model)."""
    lengths = np.diff(doc_offsets)
    share = per_document_counts(is_member(hashes, ENGLISH_HASHES), doc_offsets) / np.maximum(lengths, 1)
    return (lengths >= min_tokens) & (share >= min_marker_share)
