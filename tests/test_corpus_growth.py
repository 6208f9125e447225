"""A copy found in a corpus is still found, with the same passages, when unrelated documents are added (issue 14:
a budget of pairs for the whole corpus, met by dropping the commonest keys, lost at 300k documents the partial
copies found at 100k)."""
import importlib.util
import random
import sys
from pathlib import Path

from copytrace import ScanConfig, read_inputs, scan_documents
from copytrace.config import DEFAULTS
from copytrace.document import Document

ROOT = Path(__file__).resolve().parents[1]


def _grown_module():
    spec = importlib.util.spec_from_file_location("bench_grown", ROOT / "bench" / "grown.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pairs(documents, config):
    result = scan_documents(documents, config)
    return {tuple(sorted((p.a, p.b))): (p.kind.value, p.source, [(q.a, q.b) if p.a < p.b else (q.b, q.a)
                                                                 for q in p.passages]) for p in result.pairs}


def test_a_copy_stays_found_with_its_passages_when_unrelated_documents_are_added():
    base = [Document(f"{folder}/{d.id}", d.text) for folder in ("news", "disguised")
            for d in read_inputs([ROOT / "examples" / folder])]
    # unrelated documents: the base relabelled through a permutation of its words, forty times over; each round
    # holds its own copies of one another (the relabelled repost of the relabelled story), as a real corpus does
    grown = _grown_module()
    vocabulary = sorted({w for d in base for w in d.text.split()})
    rng = random.Random(3)
    unrelated = []
    for round_ in range(40):
        shuffled = vocabulary[:]
        rng.shuffle(shuffled)
        mapping = dict(zip(vocabulary, shuffled))
        unrelated += [Document(f"{d.id}-r{round_}", grown.relabelled(d.text, mapping)) for d in base]
    # the pair budget lowered so that this small corpus meets it as a large one does: the base alone fits, the base
    # and the unrelated documents do not (they enumerate ~40 times its pairs)
    config = ScanConfig(layers=("lexical",), workers=1,
                        thresholds=DEFAULTS.with_values({"candidates": {"max_pair_rows": 400}}))
    before = _pairs(base, config)
    after = _pairs(base + unrelated, config)
    assert before[("news/later-version.txt", "news/story.txt")][0] == "partial"
    assert before[("disguised/spun.txt", "disguised/story.txt")][0] == "partial"
    assert {pair: found for pair, found in after.items() if "-r" not in pair[0] + pair[1]} == before
    # and the unrelated rounds' own copies are found too: nothing was dropped to make room
    assert {(a, b) for a, b in after if a.endswith("-r7")} == {(a + "-r7", b + "-r7") for a, b in before}

