"""The semantic layer on long texts (issue 15 item 3): only the sentences that can change a pair's verdict are
embedded. A cross-language pair is probed on the longer side's sentences richest in the shorter's names first, and
embedded no further when none of them is translated; a long same-language pair the words leave open is embedded
around its blocks of matched sentences, not whole; a pair's two sides go to the model in one call; and the copies
are found as before."""
import json
import random

import numpy as np
import pytest

from conftest import ROOT
from copytrace import Kind, compare_texts
from copytrace.align.cascade import cleaned_view
from copytrace.align.meaning import anchors_held, pair_embeddings, probed, sentence_embeddings
from copytrace.config import DEFAULTS, unrationed
from copytrace.fingerprint import embed
from copytrace.text.sentences import sentence_text

DISGUISED = ROOT / "examples" / "disguised"
STORY = (DISGUISED / "story.txt").read_text(encoding="utf-8")
GERMAN = (DISGUISED / "translation-de.txt").read_text(encoding="utf-8")
PARAPHRASE = (DISGUISED / "paraphrase.txt").read_text(encoding="utf-8")
STORM = (ROOT / "examples" / "news" / "unrelated.txt").read_text(encoding="utf-8")
FUNCTION = "the of and to in a that for on with as was by at from is it said has his her their after".split()


def _filler(seed: int, n: int) -> str:
    """n sentences of made-up prose (function words and invented ones, as tests/test_bigdoc.py writes), three to a
    paragraph, every seventh naming Laura Cooper (a name of the grain talks), none about them."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        words = [rng.choice(FUNCTION) if rng.random() < 0.4 else f"w{rng.randrange(30000)}"
                 for _ in range(rng.randrange(10, 22))]
        if k % 7 == 3:
            words[len(words) // 2:len(words) // 2] = ["with", "Laura", "Cooper"]
        sentence = " ".join(words)
        out.append(sentence[0].upper() + sentence[1:] + ".")
    return "\n\n".join(" ".join(out[s:s + 3]) for s in range(0, len(out), 3))


def _embedded_rows(view) -> int:
    """How many of a document's sentences this process has embedded (the embedding cache's own record)."""
    table = view.sentences
    key = embed.document_key(view.id, [sentence_text(view, table, k) for k in range(len(table))])
    entry = embed._cache.get((*key, embed.current_device()))
    return 0 if entry is None else int(entry[1].sum())


def test_a_translated_article_inside_a_long_digest_is_still_found():
    digest = _filler(0, 45) + "\n\n" + STORY + "\n\n" + _filler(45, 45)
    pair = compare_texts(digest, GERMAN, "digest", "de")
    assert pair is not None and pair.kind is Kind.TRANSLATION, pair
    start = digest.index(STORY)
    assert any(p.a[0] < start + len(STORY) and start < p.a[1] for p in pair.passages), pair.passages


def test_a_long_text_that_translates_nothing_is_embedded_only_in_its_probe():
    long_id = "minutes-no-translation"
    minutes = _filler(100, 90)
    view, german = cleaned_view(long_id, minutes, lang="en"), cleaned_view("de", GERMAN, lang="de")
    held = anchors_held(view, german)
    probe = probed(held)
    assert held.sum() > 0 and 0 < probe.sum() <= DEFAULTS.align.probe_sentences + DEFAULTS.align.lead_sentences
    pair = compare_texts(minutes, GERMAN, long_id, "de")
    assert pair is None or not pair.kind.is_copy, pair
    assert _embedded_rows(view) == probe.sum() < len(view.sentences) // 4
    # deep mode embeds every sentence anyway: no probe there
    assert probed(held, unrationed(DEFAULTS).align) is None


def test_a_long_same_language_pair_is_embedded_around_its_blocks_not_whole():
    """The story inside a long digest of other prose, its paraphrase inside a short one: the words leave the pair
    open (they match a good part of the short side, not enough for a copy), and only the long side's sentences
    around its matched ones are embedded, not all of them (before: all 104)."""
    a_text = _filler(1, 60) + "\n\n" + STORY + "\n\n" + _filler(2, 30)
    b_text = _filler(3, 4) + "\n\n" + PARAPHRASE + "\n\n" + _filler(4, 3)
    pair = compare_texts(a_text, b_text, "digest-a", "digest-b")
    assert pair is not None and pair.kind is Kind.PARAPHRASE, pair
    a = cleaned_view("digest-a", a_text, lang="en")
    assert len(a.sentences) > DEFAULTS.align.meaning_whole_max_sentences
    assert 0 < _embedded_rows(a) < len(a.sentences) // 4
    start = a_text.index(STORY)
    assert all(start - 600 < p.a[0] and p.a[1] < start + len(STORY) + 600 for p in pair.passages), pair.passages


def test_a_pairs_two_sides_are_embedded_in_one_call_and_once():
    a = cleaned_view("one-call-a", STORY, lang="en")
    b = cleaned_view("one-call-b", STORM, lang="en")
    calls = []
    model = embed.embedder()
    encode = model.encode

    def counted(sentences):
        calls.append(len(sentences))
        return encode(sentences)

    model.encode = counted
    try:
        emb_a, emb_b = pair_embeddings(a, None, b, None)
        again = sentence_embeddings(a)
    finally:
        del model.encode
    assert calls == [len(a.sentences) + len(b.sentences)]
    np.testing.assert_array_equal(emb_a, again)
    # the same vectors as each side alone
    np.testing.assert_allclose(emb_b, model.encode([sentence_text(b, b.sentences, k) for k in range(len(b.sentences))]),
                               atol=1e-5)


def test_blas_runs_on_one_thread_inside_the_block():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with embed.one_blas_thread():
        blas = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)


# bench/longdoc.py: the long-document corpus and its scoring (no timing asserted)

BENCH = ROOT / "bench"


@pytest.fixture()
def longdoc(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import longdoc as module

    return module


def test_the_longdoc_benchmark_skips_without_the_news_data(longdoc, tmp_path, monkeypatch):
    monkeypatch.setattr(longdoc.synthetic, "DEFAULT_NEWS_ZIP", tmp_path / "absent.zip")
    result = longdoc.run(rounds=1, work=tmp_path)
    assert result["skipped"] is True and "news data missing" in result["reason"]


def test_the_longdoc_corpus_plants_each_kind_and_scores_what_a_scan_reports(longdoc, tmp_path):
    if not longdoc.synthetic.DEFAULT_NEWS_ZIP.exists():
        pytest.skip("news data absent")
    info = longdoc.build_corpus(tmp_path, dossiers=12, planted=1)
    docs = [json.loads(line) for line in (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert info["documents"] == len(docs) == 12 + len(truth)
    assert {t["kind"] for t in truth} == set(longdoc.REPORTED)
    ids = {d["id"] for d in docs}
    assert all(t["a"] in ids and t["b"] in ids for t in truth)
    assert all(len(d["text"]) >= longdoc.DOSSIER_CHARS for d in docs if d["id"].startswith("dossier-"))
    # a scan that found the partial copy only, and called the spun one same_story
    partial = next(t for t in truth if t["kind"] == "partial")
    spun = next(t for t in truth if t["kind"] == "spun")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"a": partial["b"], "b": partial["a"], "kind": "partial"}) + "\n"
                     + json.dumps({"a": spun["a"], "b": spun["b"], "kind": "same_story"}) + "\n"
                     + json.dumps({"a": "dossier-000", "b": "dossier-001", "kind": "paraphrase"}) + "\n")
    score = longdoc.score(pairs, truth)
    assert score["found"] == 1 and score["by_kind"]["partial"]["kind_right"] == 1
    assert score["by_kind"]["spun"]["found"] == 0 and score["other_copy_pairs"] == 1
