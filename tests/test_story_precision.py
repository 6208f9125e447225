"""Two different texts about one event are no copy of each other: a later story that reuses an earlier one's
background is partial at most, and translations of two outlets' reports of one event into two languages are the
same story, while two translations of one report stay translations of each other (issue 15, items 2 and 4)."""
from conftest import ROOT
from copytrace import Kind, compare_texts
from copytrace.classify import is_partial_copy
from copytrace.cluster import settle_competing_translations
from copytrace.document import Pair, Passage

STORY = (ROOT / "examples" / "disguised" / "story.txt").read_text(encoding="utf-8")
PARAPHRASE = (ROOT / "examples" / "disguised" / "paraphrase.txt").read_text(encoding="utf-8")
LATER = (ROOT / "examples" / "news" / "later-version.txt").read_text(encoding="utf-8")
FOREIGN = ROOT / "bench" / "data" / "story_translations"


def _whole_copy(pair) -> bool:
    return pair is not None and pair.kind.is_copy and pair.kind is not Kind.PARTIAL and not is_partial_copy(pair)


def test_follow_up_reusing_reworded_background_is_no_paraphrase():
    """The next day's story leads with its new facts (a draft deal) and carries five paragraphs of the first day's
    story reworded: most of the first story, but not what it reports."""
    later = LATER.split("\n\n")
    follow_up = "\n\n".join(later[:3] + PARAPHRASE.split("\n\n")[2:7] + later[6:])
    pair = compare_texts(STORY, follow_up, "story", "follow-up")
    assert not _whole_copy(pair), pair


#: an author's lines under every article of theirs on one site
BIO = ("Joseph Erbentraut covers promising innovations and challenges in the areas of food, water, agriculture and our "
       "climate. Follow Erbentraut on Twitter at @robojojo. Tips? Email joseph.erbentraut@huffingtonpost.com.")


def test_stories_sharing_an_author_footer_are_no_copy():
    """Two different stories whose last lines are the same author's bio, Twitter handle and email (the first glued
    to an editor's note, as a page's text extraction leaves it): no disguised passage, however well they match."""
    story = STORY.rstrip() + ' Language has been amended to better describe the talks. "\u2014' + BIO
    other = (ROOT / "examples" / "news" / "unrelated.txt").read_text(encoding="utf-8").rstrip() + ' "\u2014' + BIO
    pair = compare_texts(story, other, "story", "other")
    assert pair is None or not pair.kind.is_copy, pair


def test_reworded_story_stays_a_paraphrase():
    """Its headline reworded too: the lead is the first sentence that ends with a stop."""
    pair = compare_texts(STORY, PARAPHRASE, "story", "paraphrase")
    assert pair is not None and pair.kind is Kind.PARAPHRASE and not is_partial_copy(pair), pair


def _foreign(name: str) -> str:
    return (FOREIGN / name).read_text(encoding="utf-8")


def test_translations_of_two_reports_of_one_event_are_not_translations_of_each_other():
    """Al Jazeera's and RTE's reports of Sarkozy's trial order (tune split), into Dutch and Portuguese."""
    pair = compare_texts(_foreign("326.nl.txt"), _foreign("654.pt.txt"), "aljazeera-nl", "rte-pt")
    assert pair is None or not pair.kind.is_copy, pair


def test_two_translations_of_one_report_are_translations_of_each_other():
    """Al Jazeera's report of Sarkozy's trial order (tune split), into Dutch and German."""
    pair = compare_texts(_foreign("326.nl.txt"), _foreign("326.de.txt"), "aljazeera-nl", "aljazeera-de")
    assert pair is not None and pair.kind is Kind.TRANSLATION and min(pair.coverage_a, pair.coverage_b) > 0.9, pair


def _translation(a: str, b: str) -> Pair:
    return Pair(a, b, Kind.TRANSLATION, 0.9, 1.0, 1.0, passages=[Passage((0, 100), (0, 100), Kind.TRANSLATION, 0.9)])


def test_translations_joining_two_sources_are_the_same_story():
    """A Dutch text translated from one English report and a Portuguese one from another (not copies of each
    other): the two foreign texts are no translations of each other, whatever their sentences match."""
    langs = ["en", "en", "nl", "pt", "de"]
    found = [(0, 2, _translation("report-a", "a-nl")), (1, 3, _translation("report-b", "b-pt")),
             (2, 3, _translation("a-nl", "b-pt"))]
    settled = settle_competing_translations(found, langs)
    assert [p.kind for _, _, p in settled] == [Kind.TRANSLATION, Kind.TRANSLATION, Kind.SAME_STORY]
    # two translations of one report stay translations of each other: their partner is one and the same
    found = [(0, 2, _translation("report-a", "a-nl")), (0, 4, _translation("report-a", "a-de")),
             (2, 4, _translation("a-nl", "a-de"))]
    assert [p.kind for _, _, p in settle_competing_translations(found, langs)] == [Kind.TRANSLATION] * 3
    # where the two reports are copies of each other, so are their translations
    found = [(0, 2, _translation("report-a", "a-nl")), (1, 3, _translation("report-b", "b-pt")),
             (2, 3, _translation("a-nl", "b-pt")),
             (0, 1, Pair("report-a", "report-b", Kind.PARAPHRASE, 0.9, 0.9, 0.9))]
    assert [p.kind for _, _, p in settle_competing_translations(found, langs)][:3] == [Kind.TRANSLATION] * 3
