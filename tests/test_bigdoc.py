"""A document of a few MB with small copies of its parts (issue 17): every copy is found as a partial copy, with its
passage at the right offsets of the big document, and the big document is aligned only in windows around the copy,
never whole; a refrain the big document repeats all along it does not pull its other places into the alignment."""
import random

import pytest

import copytrace.align.cascade as cascade
from copytrace import Document, Kind, ScanConfig, scan_documents
from copytrace.config import DEFAULTS

FUNCTION = "the of and to in a that for on with as was by at from is it said has his her their after".split()
REFRAIN = "Readers can reach the newsroom with tips and corrections by email at any hour of the day or night."


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(FUNCTION) if rng.random() < 0.4 else f"w{rng.randrange(30000)}"
             for _ in range(rng.randrange(10, 22))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randrange(2, 5)))


@pytest.fixture(scope="module")
def big_corpus():
    """A ~2.5 MB document (paragraphs of made-up prose, a refrain every ~50 paragraphs) and four copies of three
    paragraphs each from along it, two verbatim and two with a word changed."""
    rng = random.Random(17)
    paragraphs = [REFRAIN if k % 50 == 25 else _paragraph(rng) for k in range(8000)]
    chosen = [700, 2900, 5100, 7300]
    big = "\n\n".join(paragraphs)
    starts, pos = [], 0
    for p in paragraphs:
        starts.append(pos)
        pos += len(p) + 2
    copies, spans = [], []
    for k, at in enumerate(chosen):
        part = "\n\n".join(paragraphs[at:at + 3])
        spans.append((starts[at], starts[at] + len(part)))
        if k % 2:
            words = part.split(" ")
            words[len(words) // 2] = "changed"
            part = " ".join(words)
        copies.append(Document(f"copy-{k}", f"{REFRAIN}\n\n{part}"))
    docs = [Document("big", big)] + copies + [Document("unrelated", "\n\n".join(_paragraph(rng) for _ in range(4)))]
    return big, docs, spans


def test_every_copy_of_a_part_of_a_big_document_is_found_at_its_offsets_in_windows(big_corpus, monkeypatch):
    big, docs, spans = big_corpus
    assert len(big.split()) > 2 * DEFAULTS.align.window_min_tokens  # long enough to be aligned in windows
    aligned = []
    align_verbatim, match_sentences = cascade.align_verbatim, cascade.match_sentences

    def spy_verbatim(a, b, config):
        aligned.append(("tokens", a.id, len(a), b.id, len(b)))
        return align_verbatim(a, b, config)

    def spy_sentences(ta, tb, *args, **kwargs):
        aligned.append(("sentences", None, len(ta), None, len(tb)))
        return match_sentences(ta, tb, *args, **kwargs)

    monkeypatch.setattr(cascade, "align_verbatim", spy_verbatim)
    monkeypatch.setattr(cascade, "match_sentences", spy_sentences)
    result = scan_documents(iter(docs), ScanConfig(workers=1))

    pairs = {(p.a, p.b): p for p in result.pairs}
    for k, (start, end) in enumerate(spans):
        pair = pairs[("big", f"copy-{k}")]
        assert pair.kind in (Kind.EXACT, Kind.NEAR_DUPLICATE, Kind.PARTIAL)
        # the copied paragraphs are one passage (two for the edited copies, split at the changed word) inside the
        # planted span; the refrain the copy opens with is held all along the big document, and is no copy of it
        inside = [p for p in pair.passages if start <= p.a[0] and p.a[1] <= end]
        assert inside and inside[0].a[0] == start and inside[-1].a[1] == end - 1  # the last word, not its full stop
        assert all(start <= p.a[0] and p.a[1] <= end for p in pair.passages)
        copy_text = docs[k + 1].text
        for p in inside:
            if k % 2 == 0:
                assert big[p.a[0]:p.a[1]] == copy_text[p.b[0]:p.b[1]]
    assert ("big", "unrelated") not in pairs

    # the big document (~400k tokens) was never aligned whole: only windows of a few hundred tokens around each copy
    big_tokens = max(n for _, a, n, _, _ in aligned if a == "big")
    config = DEFAULTS.align
    assert big_tokens <= config.window_max_tokens
    assert big_tokens < 2000
    assert max(n for kind, _, n, _, _ in aligned if kind == "sentences") < 200
    assert sum(1 for kind, a, *_ in aligned if kind == "tokens" and a == "big") >= len(spans)
