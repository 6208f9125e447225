"""The index in deep semantic mode: a copy that shares no key with what the index holds (a translated excerpt with
every name and number rewritten) is found through the sentence vectors the segments keep, as a deep scan finds it;
a removed document's sentences never nominate; a merge carries the vectors; an index made without deep mode gets them
when first asked in deep mode; without deep mode nothing changes."""
import numpy as np
import pytest

from conftest import ROOT
from copytrace import Index, ScanConfig, read_inputs, scan_documents
from copytrace.candidates.deep import DocumentSentences, KeptSentences
from copytrace.config import DEFAULTS, EngineConfig
from copytrace.index.deep import deep_pairs
from copytrace.index.snapshot import Snapshot
from copytrace.segments import Manifest

DEEP = ScanConfig(semantic="deep", device="cpu", progress=False, workers=1)
RATIONED = ScanConfig(semantic="rationed", device="cpu", progress=False, workers=1)
EXCERPT = frozenset(("excerpt-de.txt", "source.txt"))


def _stories():
    """A story and a German translation of a stretch from its middle with no name or number left (tests/data/deep),
    the news examples, and two of the disguised ones (another agency's rewrite, a whole translation)."""
    paths = [*sorted((ROOT / "tests" / "data" / "deep").glob("*.txt")), *sorted((ROOT / "examples" / "news").glob("*.txt")),
             ROOT / "examples" / "disguised" / "other-agency.txt", ROOT / "examples" / "disguised" / "translation-de.txt"]
    return [d for path in paths for d in read_inputs([str(path)])]


def _without(docs, *ids):
    return [d for d in docs if d.id not in ids]


def _kinds(pairs):
    return {frozenset((p.a, p.b)): (p.kind.value, p.source) for p in pairs}


def _query(index, docs):
    pairs, skips = index.query(docs)
    assert not skips
    return [(p.a, p.b, p.kind.value) for p in pairs]


def test_an_index_added_to_in_parts_in_deep_mode_finds_the_pairs_and_kinds_a_deep_scan_finds(tmp_path):
    docs = _stories()
    scanned = _kinds(scan_documents(docs, DEEP).pairs)
    assert scanned[EXCERPT][0] == "translation"
    rationed = _kinds(scan_documents(docs, RATIONED).pairs)
    assert EXCERPT not in rationed  # no key in common: only deep mode finds it
    order = [docs[k] for k in np.random.default_rng(4).permutation(len(docs))]
    index = Index(tmp_path / "ix", DEEP)
    for part in (order[:3], order[3:5], order[5:]):
        index.add(part)
    assert _kinds(index.pairs().pairs) == scanned


def test_a_query_in_deep_mode_finds_the_indexed_story_a_translated_excerpt_comes_from(tmp_path):
    docs = _stories()
    excerpt = [d for d in docs if d.id == "excerpt-de.txt"]
    index = Index(tmp_path / "ix", DEEP)
    index.add(_without(docs, "excerpt-de.txt"))
    assert _query(index, excerpt) == [("excerpt-de.txt", "source.txt", "translation")]
    # the same index queried rationed finds nothing, as before
    assert _query(Index(tmp_path / "ix", RATIONED), excerpt) == []


def test_a_removed_documents_sentences_never_nominate(tmp_path):
    docs = _stories()
    excerpt = [d for d in docs if d.id == "excerpt-de.txt"]
    index = Index(tmp_path / "ix", DEEP)
    index.add(_without(docs, "excerpt-de.txt"))
    assert index.remove(["source.txt"]) == []
    assert _query(index, excerpt) == []
    # the probe itself: the removed story's sentences are in the segment still (a tombstone), and the story asked
    # again, word for word, finds no neighbour in them
    snapshot = Snapshot(index.path, Manifest.read(index.path))
    kept = [segment.sentences() for segment in snapshot.segments]
    source = kept[0].select(np.flatnonzero(np.asarray(kept[0].doc) == _row(snapshot, "source.txt")))
    assert len(source) >= DEFAULTS.candidates.deep_min_sentences
    again = KeptSentences(source.vectors, np.zeros(len(source), np.int32), source.pos)
    pairs = deep_pairs(snapshot, kept, again, 1, True, DEFAULTS.candidates, EngineConfig(), "cpu").tolist()
    # another story's sentences may be near enough to nominate it (deep_min_cosine is low: alignment decides); the
    # removed story, whose sentences these are word for word, never is
    live = {snapshot.segments[0].record(r).id: n for r, n in enumerate(snapshot.numbers[0].tolist()) if n >= 0}
    assert "source.txt" not in live
    assert all({k >> 32, k & 0xFFFFFFFF} <= set(live.values()) | {len(snapshot)} for k in pairs)
    index.add(excerpt)
    assert not [p for p in index.pairs().pairs if "excerpt-de.txt" in (p.a, p.b)]


def _row(snapshot, doc_id):
    return next(r for r in range(len(snapshot.segments[0])) if snapshot.segments[0].record(r).id == doc_id)


def test_a_merge_carries_the_sentence_vectors_and_purges_the_removed_ones(tmp_path):
    docs = _stories()
    excerpt = [d for d in docs if d.id == "excerpt-de.txt"]
    rest = _without(docs, "excerpt-de.txt")
    index = Index(tmp_path / "ix", DEEP)
    index.add(rest[:2])
    index.add(rest[2:])
    before = [len(s.sentences()) for s in Snapshot(index.path, Manifest.read(index.path)).segments]
    index.remove(["other-agency.txt"])
    index.merge()
    (segment,) = Snapshot(index.path, Manifest.read(index.path)).segments
    merged = segment.sentences()
    assert merged is not None and 0 < len(merged) < sum(before)
    assert "other-agency.txt" not in {segment.record(int(r)).id for r in np.unique(merged.doc)}
    assert np.all(np.diff(merged.doc) >= 0) and int(np.max(merged.doc)) < len(segment)
    assert _query(index, excerpt) == [("excerpt-de.txt", "source.txt", "translation")]


def test_an_index_made_without_deep_mode_gets_its_sentence_vectors_when_first_added_to_in_deep_mode(tmp_path, capsys):
    docs = _stories()
    excerpt = [d for d in docs if d.id == "excerpt-de.txt"]
    rest = _without(docs, "excerpt-de.txt")
    Index(tmp_path / "ix", RATIONED).add(rest)
    folder = next((tmp_path / "ix").glob("seg-*"))
    assert not list(folder.glob("sentences.*"))  # without deep mode, a segment is as it was
    deep = Index(tmp_path / "ix", DEEP)
    # a query reads: it embeds what it needs in memory and writes nothing
    assert _query(deep, excerpt) == [("excerpt-de.txt", "source.txt", "translation")]
    assert not list(folder.glob("sentences.*"))
    assert "keeps no sentence vectors" in capsys.readouterr().err
    assert _query(deep, excerpt) == [("excerpt-de.txt", "source.txt", "translation")]
    assert "keeps no sentence vectors" not in capsys.readouterr().err  # embedded once per Index
    deep.add(excerpt)
    assert sorted(p.name for p in folder.glob("sentences.*")) == [
        "sentences.doc.npy", "sentences.pos.npy", "sentences.vectors.npy"]
    assert EXCERPT in _kinds(deep.pairs().pairs)


def test_kept_sentences_are_the_usable_ones_and_a_segment_keeps_them_in_float16(tmp_path):
    rng = np.random.default_rng(1)
    v = rng.normal(size=(5, 512)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    sentences = DocumentSentences(np.array([0, 1]), [("a",), ("b",)], np.array([3, 2]), v,
                                  np.array([9, 2, 9, 9, 9]), np.array([True, True, False, True, True]))
    kept = sentences.kept(DEFAULTS.candidates)
    assert kept.doc.tolist() == [0, 1, 1] and kept.pos.tolist() == [0, 0, 1]
    Index(tmp_path / "ix", DEEP).add(_stories()[:2])
    (segment,) = Snapshot(tmp_path / "ix", Manifest.read(tmp_path / "ix")).segments
    stored = segment.sentences()
    assert stored.vectors.dtype == np.float16 and stored.doc.dtype == np.int32
    exact = np.asarray(stored.vectors, np.float32)
    assert np.abs(np.linalg.norm(exact, axis=1) - 1).max() < 1e-3
