"""Translated copies: where a translated excerpt can sit in its source, how sentences are cut in scraped text, and
which of several partners a translation came from."""
import numpy as np

from conftest import ROOT
from copytrace import Kind
from copytrace.align.cascade import cleaned_view
from copytrace.align.meaning import sentences_sharing_anchors
from copytrace.align.sentences import SentenceMatch, beside_matches, fill_between_matches
from copytrace.candidates.groups import pair_keys
from copytrace.cluster import settle_competing_translations
from copytrace.document import Pair, Passage
from copytrace.text.sentences import sentence_starts


def _sentences(text):
    starts = list(sentence_starts(text)) + [len(text)]
    return [text[s:e].strip() for s, e in zip(starts, starts[1:])]


def test_a_paragraph_break_lost_to_a_dash_still_ends_a_sentence():
    text = ("Police sealed off the school.- Residents were told to stay indoors. - David Davis said it was bad. "
            "'They tried to stop us,' he said. „Wir bleiben“, sagte er. Mr. Fares met Laura K. Cooper at the "
            "U.S.-led base.It was glued.\"Now,\" he said.")
    assert _sentences(text) == [
        "Police sealed off the school.-", "Residents were told to stay indoors. -", "David Davis said it was bad.",
        "'They tried to stop us,' he said.", "„Wir bleiben“, sagte er.",
        "Mr. Fares met Laura K. Cooper at the U.S.-led base.", "It was glued.", '"Now," he said.',
    ]


def test_a_german_date_does_not_end_a_sentence():
    text = "MOSKAU, 17. März. /TASS/. Die Unterhändler, die am 15. März in Minsk waren, einigten sich. Er war 25. Dann ging er."
    assert _sentences(text) == [
        "MOSKAU, 17. März. /TASS/.", "Die Unterhändler, die am 15. März in Minsk waren, einigten sich.", "Er war 25.",
        "Dann ging er.",
    ]


def test_unmatched_sentences_of_a_translation_are_sought_beside_their_matched_neighbours():
    # a 6-sentence translation (B) of a 20-sentence article (A): B2 -> A10 and B4 -> A12 matched
    matches = [SentenceMatch(10, 2, 0.8, "meaning"), SentenceMatch(12, 4, 0.8, "meaning")]
    wanted = beside_matches(matches, n_long=20, n_short=6, long_is_a=True)
    # B0-B1 before A10 (and one more), B3 between, B5 after A12 (and one more)
    assert np.flatnonzero(wanted).tolist() == [7, 8, 9, 11, 13, 14]
    # matched neighbours far apart on the longer side are no stretch of one translation
    far = [SentenceMatch(2, 10, 0.8, "meaning"), SentenceMatch(4, 18, 0.8, "meaning")]
    assert np.flatnonzero(beside_matches(far, n_long=20, n_short=6, long_is_a=False)).tolist() == [7, 8, 9, 19]


def _plain(n):
    return f"the plain sentence number {n} says little of note here."


def test_a_translated_stretch_is_embedded_whole_between_its_names():
    """The longer side of a cross-language pair is embedded only where a translation can be: its lead, sentences
    holding a name or number of the other text, and short stretches between those, names or not."""
    def source(named):
        return " ".join(
            (f"Officials in Oroville said {n} more." if n in named else _plain(n).capitalize()) for n in range(20)
        )

    other = cleaned_view("t", "In Oroville hat man es bestätigt.", lang="de")
    wanted = sentences_sharing_anchors(cleaned_view("s", source({8, 13}), lang="en"), other)
    # lead 0-2 and neighbours of 8 and 13; the stretches 4-6 and 10-11 between them are filled
    assert wanted.tolist() == [True] * 15 + [False] * 5
    wanted = sentences_sharing_anchors(cleaned_view("s", source({9}), lang="en"), other)
    # four sentences (4-7) between the lead and the name are too far apart to be one translated stretch
    assert np.flatnonzero(wanted).tolist() == [0, 1, 2, 3, 8, 9, 10]


def _translation(a, b, score, spans_b, coverage_a=0.3, coverage_b=0.95):
    passages = [Passage((0, 100), span, Kind.TRANSLATION, score) for span in spans_b]
    return Pair(a, b, Kind.TRANSLATION, 0.6, coverage_a, coverage_b, passages=passages)


def test_a_translation_has_one_source_among_reports_of_its_story():
    langs = ["en", "en", "fr", "en"]
    found = [
        (0, 2, _translation("src", "fr", 0.84, [(0, 400), (420, 800)])),
        (1, 2, _translation("other", "fr", 0.70, [(0, 380), (420, 790)])),  # same stretch, clearly worse
    ]
    settled = settle_competing_translations(found, langs)
    assert [p.kind for _, _, p in settled] == [Kind.TRANSLATION, Kind.SAME_STORY]
    assert settled[1][2].passages and all(x.kind is Kind.SAME_STORY for x in settled[1][2].passages)

    # partners that are copies of one another are one source: both stay
    copy = Pair("src", "other", Kind.NEAR_DUPLICATE, 0.9, 0.9, 0.9)
    settled = settle_competing_translations(found + [(0, 1, copy)], langs)
    assert [p.kind for _, _, p in settled[:2]] == [Kind.TRANSLATION, Kind.TRANSLATION]

    # partners explaining different stretches of it (a compilation) both stay
    apart = [found[0], (1, 2, _translation("other", "fr", 0.70, [(900, 1400)]))]
    assert [p.kind for _, _, p in settle_competing_translations(apart, langs)] == [Kind.TRANSLATION] * 2

    # near-equal matches: no call between them
    close = [found[0], (1, 2, _translation("other", "fr", 0.82, [(0, 400)]))]
    assert [p.kind for _, _, p in settle_competing_translations(close, langs)] == [Kind.TRANSLATION] * 2


def test_a_source_translated_twice_keeps_both_translations():
    # the source is the side each pair covers least: it is not what these pairs explain
    langs = ["en", "fr", "fr"]
    found = [
        (0, 1, _translation("src", "fr1", 0.84, [(0, 400)], coverage_a=0.3, coverage_b=0.95)),
        (0, 2, _translation("src", "fr2", 0.70, [(0, 400)], coverage_a=0.3, coverage_b=0.95)),
    ]
    assert [p.kind for _, _, p in settle_competing_translations(found, langs)] == [Kind.TRANSLATION] * 2


def test_translations_into_cyrillic_and_chinese_are_found(tmp_path):
    """Names are no anchors in other scripts, and Chinese sentences end at 。 with no space after: the example
    story's Russian and Chinese translations are still found, and the independent report is not."""
    from shutil import copy

    from conftest import ROOT, pair_kinds, run_cli

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in [ROOT / "examples" / "disguised" / "story.txt", ROOT / "examples" / "disguised" / "other-agency.txt",
                 ROOT / "tests" / "data" / "story-ru.txt", ROOT / "tests" / "data" / "story-zh.txt"]:
        copy(path, corpus / path.name)
    code, _, stderr = run_cli("scan", corpus, "--out", tmp_path / "out", "--quiet")
    assert code == 0, stderr
    kinds = pair_kinds(tmp_path / "out")
    assert kinds[frozenset(("story.txt", "story-ru.txt"))] == "translation"
    assert kinds[frozenset(("story.txt", "story-zh.txt"))] == "translation"
    assert kinds.get(frozenset(("other-agency.txt", "story-zh.txt"))) in (None, "same_story")
    assert kinds.get(frozenset(("other-agency.txt", "story-ru.txt"))) in (None, "same_story")


def test_sentences_a_translator_split_are_matched_between_their_matched_neighbours():
    # A (longer) sentences 0-5; B (the translation) 0-4: B0->A1 and B4->A4 matched; B1 and B2 are A2 split in two,
    # B3 is A3 rendered poorly (cosine under the margin-tested bar, above the floor)
    cos = np.full((6, 5), 0.2)
    cos[1, 0], cos[4, 4] = 0.8, 0.8
    cos[2, 1], cos[2, 2], cos[3, 3] = 0.55, 0.5, 0.47
    usable = np.ones(6, bool), np.ones(5, bool)
    base = [SentenceMatch(1, 0, 0.8, "meaning"), SentenceMatch(4, 4, 0.8, "meaning")]
    filled = fill_between_matches(base, cos, *usable, long_is_a=True)
    assert [(m.i, m.j) for m in filled] == [(1, 0), (2, 1), (2, 2), (3, 3), (4, 4)]
    # one match alone says nothing of order: nothing is added
    assert fill_between_matches(base[:1], cos, *usable, long_is_a=True) == base[:1]
    # under the floor, nothing is added either
    low = np.where(cos < 0.8, 0.3, cos)
    assert fill_between_matches(base, low, *usable, long_is_a=True) == base


def test_documents_outside_the_main_language_are_foreign():
    from copytrace.candidates.crosslingual import foreign_documents

    assert foreign_documents(["en", "en", "de", "ru", None, "en"]).tolist() == [2, 3]
    assert foreign_documents(["en", None, "en"]).tolist() == []


def test_a_foreign_text_is_paired_with_its_nearest_leads_in_other_languages():
    from copytrace.candidates.groups import unpack_pair_keys
    from copytrace.candidates.neighbours import lead_neighbours

    langs = ["en", "en", "en", "de", "de"]
    unit = np.eye(4, dtype=np.float32)
    vectors = {0: unit[0], 1: unit[1], 2: (unit[0] + unit[2]) / np.sqrt(2), 3: unit[0], 4: unit[0]}
    pairs = unpack_pair_keys(lead_neighbours(np.array([3]), vectors, langs)).tolist()
    # the English leads at cosine 1.0 and 0.71; the orthogonal one is under MIN_COSINE; German 4 is the same language
    assert sorted(map(sorted, pairs)) == [[0, 3], [2, 3]]


def test_each_later_sentence_of_a_foreign_text_is_paired_with_its_nearest_lead():
    from copytrace.candidates.groups import unpack_pair_keys
    from copytrace.candidates.neighbours import stretch_neighbours

    langs = ["en", "en", "en", "de"]
    unit = np.eye(4, dtype=np.float32)
    vectors = {0: unit[0], 1: unit[1], 2: unit[2], 3: unit[3]}
    # the German page's stretches: one near English 1's lead, one near nothing
    docs, stretches = np.array([3, 3]), np.stack([(unit[1] + 0.2 * unit[2]) / np.hypot(1, 0.2), unit[3]])
    pairs = unpack_pair_keys(stretch_neighbours(docs, stretches, vectors, langs)).tolist()
    assert sorted(map(sorted, pairs)) == [[1, 3]]


def test_a_translated_passage_inside_another_story_is_nominated_by_its_sentence_not_the_page_lead():
    """A German page about Hamburg's port holds a translation of the grain story's opening: the page's lead is
    about the port, its later sentence is the story's lead in German."""
    from copytrace.candidates.neighbours import lead, lead_neighbours, stretch_leads, stretch_neighbours
    from copytrace.fingerprint.embed import embedder

    # the story's body: its lead is then its first sentence, not its headline
    story = (ROOT / "examples" / "disguised" / "story.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    storm = (ROOT / "examples" / "news" / "unrelated.txt").read_text(encoding="utf-8")
    page = ("Der Hamburger Hafen will in den kommenden fünf Jahren fast eine Milliarde Euro in neue Kaimauern und "
            "tiefere Liegeplätze investieren. Die Hafenbehörde begründete den Plan mit immer größeren Schiffen. "
            "Spitzendiplomaten aus sechs Ländern haben sich am Dienstag in Wien getroffen, um die festgefahrenen "
            "Gespräche über einen Getreidekorridor im Schwarzen Meer wiederzubeleben. Der Senat muss den Ausgaben "
            "noch zustimmen.")
    langs = ["en", "en", "de"]
    leads = embedder().encode([lead(story), lead(storm), lead(page)])
    vectors = dict(enumerate(leads))
    assert stretch_leads(page)[0].startswith("Die Hafenbehörde")
    sentences = stretch_leads(page)
    stretches = embedder().encode(sentences)
    found = stretch_neighbours(np.full(len(sentences), 2), stretches, vectors, langs)
    assert pair_keys(np.array([0]), np.array([2])).tolist()[0] in found.tolist()
    assert pair_keys(np.array([0]), np.array([2])).tolist()[0] not in lead_neighbours(
        np.array([2]), {0: vectors[0], 2: vectors[2]}, langs).tolist()


def test_a_lead_is_the_first_sentence_that_tells_the_story():
    from copytrace.candidates.neighbours import lead

    text = "MOSCOW, March 29. /TASS/. Suspicions remain that the group could be used to topple the president. More."
    assert lead(text) == "Suspicions remain that the group could be used to topple the president."
    assert lead("英国首相表示，英国正面临一个决定性时刻，她正准备启动正式的脱欧程序。法案昨晚在议会获得通过，梅告诉议员们。") == (
        "英国首相表示，英国正面临一个决定性时刻，她正准备启动正式的脱欧程序。")
