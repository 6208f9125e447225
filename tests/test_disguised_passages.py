"""A disguised passage inside an otherwise different text: a few sentences spun, reworded or translated from a
source and put into a longer text of one's own are a copy of that passage, named for its disguise, with offsets
into both texts; two reports that share a reworded fact here and there stay same_story; dedup keeps such texts."""
import json

from conftest import ROOT, read_jsonl, run_cli
from copytrace import Kind, compare_texts

DISGUISED = ROOT / "examples" / "disguised"
STORY = (DISGUISED / "story.txt").read_text(encoding="utf-8")
COLUMN = (ROOT / "tests" / "data" / "column-with-spun-passage.txt").read_text(encoding="utf-8")
STORM = (ROOT / "examples" / "news" / "unrelated.txt").read_text(encoding="utf-8")


def _span(text: str, first: str, last: str) -> tuple[int, int]:
    return text.index(first), text.index(last) + len(last)


def _overlap(reported: list[tuple[int, int]], wanted: tuple[int, int]) -> float:
    """Share of the wanted span's characters inside the reported spans."""
    lo, hi = wanted
    inside = set()
    for s, e in reported:
        inside.update(range(max(s, lo), min(e, hi)))
    return len(inside) / (hi - lo)


def _assert_passage(pair, source_span, copy_span):
    assert _overlap([p.a for p in pair.passages], source_span) >= 0.9, pair.passages
    assert _overlap([p.b for p in pair.passages], copy_span) >= 0.9, pair.passages
    # nothing of the copy's own text is claimed: the passages lie inside the inserted one, give or take a sentence
    assert all(copy_span[0] - 5 <= p.b[0] and p.b[1] <= copy_span[1] + 5 for p in pair.passages), pair.passages


def test_spun_passage_inside_a_longer_column_is_a_spun_copy_of_that_passage():
    """A columnist's piece on shipping insurance holds four sentences of the story run through an article spinner
    (examples/disguised/spun.txt's "Navy workout routines", "Division of Protection")."""
    pair = compare_texts(STORY, COLUMN, "story", "column")
    assert pair.kind is Kind.SPUN
    assert max(pair.coverage_a, pair.coverage_b) < 0.5  # a passage, not most of either text
    _assert_passage(pair, _span(STORY, "The corridor carried", "not connected to them."),
                    _span(COLUMN, "The hallway carried", "not related to them."))
    assert {p.kind for p in pair.passages} == {Kind.SPUN}


QUOTED_OPENING = ('"The most difficult questions concern insurance for ships and the number of inspectors allowed on '
                  'board."')


def test_a_quotation_opening_a_spun_passage_is_part_of_its_passage():
    """Quotations are masked when sentences are matched (reports of one event share them): the passage matches
    from its first sentence of story text, and the quotation just before it, the same in both texts, is carried
    into it."""
    source = STORY.replace('She said "the most difficult questions concerned insurance for ships and the number of '
                           'inspectors allowed on board".', "").replace(
        "The corridor carried", QUOTED_OPENING + "\n\nThe corridor carried")
    column = COLUMN.replace("began last week. The hallway", "began last week. " + QUOTED_OPENING + " The hallway")
    pair = compare_texts(source, column, "story", "column")
    assert pair.kind is Kind.SPUN
    _assert_passage(pair, _span(source, QUOTED_OPENING, "not connected to them."),
                    _span(column, QUOTED_OPENING, "not related to them."))
    # the sentence before the quotation is the column's own, and stays out
    assert all(p.b[0] >= column.index(QUOTED_OPENING) for p in pair.passages), pair.passages


def test_a_copied_passage_with_words_changed_inside_a_sentence_is_one_passage_and_scattered_ones_stay_apart():
    paragraphs, storm = STORY.split("\n\n"), STORM.split("\n\n")
    copied = "\n\n".join(paragraphs[2:6]).replace("rose by nearly four percent after the talks collapsed",
                                                    "were almost four percent dearer once the negotiations fell apart")
    text = "\n\n".join(storm[:2] + [copied] + storm[2:])
    pair = compare_texts(STORY, text, "story", "page")
    assert pair.kind is Kind.PARTIAL
    assert len(pair.passages) == 1, pair.passages
    _assert_passage(pair, _span(STORY, "The meeting, hosted", "not connected to them."),
                    _span(text, "The meeting, hosted", "not connected to them."))
    # the same paragraphs scattered through the page, one of its own between them: two passages
    scattered = "\n\n".join(storm[:2] + [paragraphs[2] + " " + paragraphs[3], storm[2],
                                          paragraphs[4] + " " + paragraphs[5]] + storm[3:])
    pair = compare_texts(STORY, scattered, "story", "page")
    assert pair.kind is Kind.PARTIAL
    assert len(pair.passages) == 2, pair.passages
    assert all(not (p.b[0] < scattered.index(storm[2]) < p.b[1]) for p in pair.passages)


PARAPHRASED = ("Some 33 million tonnes of grain had passed through the corridor, United Nations figures show, until it "
               "was halted. European wheat prices climbed almost four percent once the negotiations broke down in "
               "January. Shipping firms are worried about naval drills that have been planned in the region for the "
               "same week. The exercises were arranged well before the talks and have nothing to do with them, a "
               "Defense Department spokesman said.")


def test_reworded_passage_inside_another_story_is_a_paraphrase_of_that_passage():
    paragraphs = STORM.split("\n\n")
    head = "\n\n".join(paragraphs[:3]) + "\n\n"
    text = head + PARAPHRASED + "\n\n" + "\n\n".join(paragraphs[3:])
    pair = compare_texts(STORY, text, "story", "storm")
    assert pair is not None and pair.kind in (Kind.PARAPHRASE, Kind.SPUN), pair
    assert max(pair.coverage_a, pair.coverage_b) < 0.5
    _assert_passage(pair, _span(STORY, "The corridor carried", "not connected to them."),
                    (len(head), len(head) + len(PARAPHRASED)))


HAFEN_HEAD = (
    "Hamburger Hafen investiert in neue Kaimauern\n\n"
    "HAMBURG, 6. März - Der Hamburger Hafen will in den kommenden fünf Jahren fast eine Milliarde Euro in neue "
    "Kaimauern und tiefere Liegeplätze investieren. Die Hafenbehörde begründete den Plan mit immer größeren "
    "Containerschiffen, die an den alten Anlagen nicht mehr sicher festmachen können. Der Senat muss den Ausgaben "
    "noch zustimmen.\n\nReedereien verfolgen auch die Verhandlungen über die Schifffahrt im Osten aufmerksam. ")
HAFEN_TAIL = (
    "\n\nIm Hafen selbst wird vor allem über das Wetter gesprochen. Ein ungewöhnlich milder Winter hat die Arbeiten "
    "an der Elbe beschleunigt, und die Baggerschiffe liegen dem Zeitplan voraus. Die Gewerkschaften fordern dennoch "
    "mehr Personal für die Nachtschichten, weil die Zahl der Anläufe stetig wächst. Eine Einigung mit den Betreibern "
    "der Terminals wird für den Sommer erwartet.")


def test_translated_passage_inside_a_foreign_story_is_a_translation_of_that_passage():
    """Four sentences of the German translation (the meeting, Cooper's words) inside a German report of its own."""
    german = (DISGUISED / "translation-de.txt").read_text(encoding="utf-8").split("\n\n")
    passage = german[2] + " " + german[3]
    text = HAFEN_HEAD + passage + HAFEN_TAIL
    pair = compare_texts(STORY, text, "story", "hafen")
    assert pair is not None and pair.kind is Kind.TRANSLATION, pair
    assert max(pair.coverage_a, pair.coverage_b) < 0.5
    _assert_passage(pair, _span(STORY, "The meeting, hosted", "allowed on board"),
                    (len(HAFEN_HEAD), len(HAFEN_HEAD) + len(passage)))


def test_report_sharing_reworded_facts_here_and_there_stays_same_story():
    """The storm report with two facts of the grain story reworded into it, far apart: related texts at most."""
    paragraphs = STORM.split("\n\n")
    text = "\n\n".join([paragraphs[0], paragraphs[1],
                        "Grain prices rose by almost four percent in Europe after the corridor talks collapsed.",
                        *paragraphs[2:],
                        "Diplomats from six countries were meeting in Vienna to revive the grain corridor talks."])
    pair = compare_texts(STORY, text, "story", "storm")
    assert pair is None or not pair.kind.is_copy, pair
    other = compare_texts(STORY, (DISGUISED / "other-agency.txt").read_text(encoding="utf-8"))
    assert other is not None and other.kind is Kind.SAME_STORY


def test_dedup_keeps_a_text_that_holds_a_disguised_passage_and_drops_a_whole_spun_copy(tmp_path):
    src = tmp_path / "c.jsonl"
    rows = [{"id": "story", "text": STORY}, {"id": "column", "text": COLUMN},
            {"id": "spun", "text": (DISGUISED / "spun.txt").read_text(encoding="utf-8")}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--quiet")
    assert code == 0, stderr
    assert [r["id"] for r in read_jsonl(tmp_path / "d.jsonl")] == ["story", "column"]
    assert [d["id"] for d in read_jsonl(tmp_path / "d.jsonl.dropped.jsonl")] == ["spun"]
    # asked to, dedup drops a text mostly inside a kept one, and the column is not: it keeps its own text
    code, _, stderr = run_cli("dedup", src, "--out", tmp_path / "e.jsonl", "--drop-partial-above", "0.5", "--quiet")
    assert code == 0, stderr
    assert "column" in [r["id"] for r in read_jsonl(tmp_path / "e.jsonl")]
