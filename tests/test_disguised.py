"""Disguised copies on texts written for the purpose: spun, paraphrased and translated copies are found and named;
an independent report sharing a quote is same_story, never a copy; the original is named from the evidence."""
import pytest

from conftest import ROOT, pair_kinds, read_jsonl, run_cli
from copytrace import Kind, ScanConfig, compare_texts

DISGUISED = ROOT / "examples" / "disguised"


def _text(name):
    return (DISGUISED / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    out = tmp_path_factory.mktemp("disguised")
    code, _, stderr = run_cli("scan", DISGUISED, "--out", out, "--quiet")
    assert code == 0, stderr
    return out


def test_spun_copy_is_found_and_called_spun_with_the_story_as_source():
    pair = compare_texts(_text("story.txt"), _text("spun.txt"), "story", "spun")
    assert pair.kind is Kind.SPUN
    assert min(pair.coverage_a, pair.coverage_b) > 0.8
    assert pair.source == "story"  # the spinner's rarer words give it away


def test_translated_copy_is_found_and_called_translation():
    pair = compare_texts(_text("story.txt"), _text("translation-de.txt"), "story", "de")
    assert pair.kind is Kind.TRANSLATION
    assert pair.coverage_b > 0.8  # the whole translation is accounted for
    assert pair.source == "story"  # the translated excerpt is contained in the story


def test_paraphrase_is_found_and_called_paraphrase():
    pair = compare_texts(_text("story.txt"), _text("paraphrase.txt"))
    assert pair.kind is Kind.PARAPHRASE
    assert min(pair.coverage_a, pair.coverage_b) > 0.5


def test_report_sharing_only_a_quote_is_same_story_not_a_copy():
    pair = compare_texts(_text("story.txt"), _text("other-agency.txt"))
    assert pair is not None and pair.kind is Kind.SAME_STORY
    assert not pair.kind.is_copy


def test_lexical_layers_alone_do_not_see_disguised_copies():
    lexical = ScanConfig(layers=("lexical",))
    assert compare_texts(_text("story.txt"), _text("translation-de.txt"), config=lexical) is None
    spun = compare_texts(_text("story.txt"), _text("spun.txt"), config=lexical)
    assert spun is None or spun.kind is not Kind.SPUN


def test_scan_names_every_kind_and_keeps_same_story_out_of_the_copy_family(scanned):
    kinds = pair_kinds(scanned)
    assert kinds[frozenset({"story.txt", "spun.txt"})] == "spun"
    assert kinds[frozenset({"story.txt", "translation-de.txt"})] == "translation"
    assert kinds[frozenset({"story.txt", "paraphrase.txt"})] == "paraphrase"
    assert kinds[frozenset({"story.txt", "other-agency.txt"})] == "same_story"
    clusters = read_jsonl(scanned / "clusters.jsonl")
    family = next(c for c in clusters if c["kind"] == "copies")
    assert "other-agency.txt" not in family["members"]
    assert family["source"] == "story.txt"
    story = next(c for c in clusters if c["kind"] == "story")
    assert "other-agency.txt" in story["members"]


def test_passages_of_disguised_copies_point_into_both_originals(scanned):
    pairs = read_jsonl(scanned / "pairs.jsonl")
    assert pairs
    for p in pairs:
        ta, tb = _text(p["a"]), _text(p["b"])
        assert p["passages"], p
        for q in p["passages"]:
            a, b = ta[q["a"][0]:q["a"][1]], tb[q["b"][0]:q["b"][1]]
            assert a.strip() and b.strip() and len(a) >= 20 and len(b) >= 20


def test_compare_shows_spun_and_translated_pairs_passage_by_passage():
    code, out, _ = run_cli("compare", DISGUISED / "story.txt", DISGUISED / "spun.txt", "--width", "200")
    assert code == 0
    assert "spun" in out and "Prime diplomats" in out and "Top diplomats" in out
    code, out, _ = run_cli("compare", DISGUISED / "story.txt", DISGUISED / "translation-de.txt", "--width", "200")
    assert code == 0
    assert "translation" in out and "Spitzendiplomaten" in out


def test_dedup_drops_disguised_copies_with_the_reason(tmp_path):
    import json

    src = tmp_path / "c.jsonl"
    rows = [{"id": n, "text": _text(f"{n}.txt")} for n in ("story", "spun", "translation-de", "other-agency")]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, stderr = run_cli("dedup", src, "--out", tmp_path / "d.jsonl", "--quiet")
    assert code == 0, stderr
    assert [r["id"] for r in read_jsonl(tmp_path / "d.jsonl")] == ["story", "other-agency"]
    dropped = {d["id"]: d for d in read_jsonl(tmp_path / "d.jsonl.dropped.jsonl")}
    assert dropped["spun"]["kind"] == "spun" and dropped["spun"]["kept"] == "story"
    assert dropped["translation-de"]["kind"] == "translation"


ABRIDGED = """Top diplomats meet in Vienna as talks on grain corridor restart

VIENNA, March 3 (Wire) - Senior diplomats from six countries gathered in Vienna on Tuesday to revive frozen talks on a Black Sea grain corridor, two months after the previous round collapsed over inspections of cargo vessels.

The meeting, hosted by the Austrian foreign ministry, brought together delegations that had not sat at one table since January. Officials said the opening session lasted more than five hours and finished without a joint statement.

Laura K. Cooper, the chief negotiator for the United States, told journalists that "both sides had agreed to keep talking through the week". She said "the most difficult questions concerned insurance for ships and the number of inspectors allowed on board".

The corridor carried roughly 33 million tonnes of grain before it was halted, according to figures released by the United Nations. Prices of wheat on European markets climbed by nearly four percent after the talks broke down in January."""


def test_abridged_rewrite_is_a_paraphrase_not_a_partial_copy():
    """The first five paragraphs of the story, a word in eight reworded: most of it still aligns verbatim, but it has
    no text of its own, so it is no partial copy (each side of one has substantial text of its own)."""
    pair = compare_texts(_text("story.txt"), ABRIDGED, "story", "abridged")
    assert pair.kind is Kind.PARAPHRASE
    assert pair.coverage_b > 0.8
    assert pair.source == "story"


def test_quotations_are_found_in_every_convention_and_across_paragraphs():
    from copytrace.text.quotes import quote_bounds

    text = ('He said: "First part of it.\n\n"Second part," he added. « Oui », dit-il. „Ja“, sagte er. '
            "「はい」と言った。 A stray \"quote.\nNext line, it's 'not' one.")
    bounds = quote_bounds(text)
    quotes = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    # the paragraph a quotation goes on from is quoted too; a stray mark quotes nothing past its line
    assert quotes == ['"First part of it.', '"Second part,"', "« Oui »", "„Ja“", "「はい」"]
