"""Cleaning keeps the story's spans in place and drops furniture, including teasers of other articles."""
from copytrace.clean import clean, short_line_keys

STORY = "Officials met in Vienna on Tuesday to revive stalled talks on a grain corridor, after months of delay.\n" * 3


def test_furniture_lines_and_related_tail_are_removed_and_offsets_stay_original():
    text = (
        "Home | World | Business\nPost author: admin\n" + STORY + "Share this: Facebook Twitter\n"
        "Related Posts\nStorm closes coastal roads as rivers rise in the north-west\nCouncil approves budget\n"
    )
    c = clean(text)
    kept_text = c.text(text)
    assert "Post author" not in kept_text and "Share this" not in kept_text and "Storm closes" not in kept_text
    assert kept_text.count("Officials met in Vienna") == 3
    assert c.kept
    for s, e in c.kept:
        assert text[s:e].startswith("Officials")
    assert c.boilerplate_chars > 0


def test_lines_repeated_across_the_corpus_are_furniture_only_when_short():
    site = "Subscribe to the DailyNewsHub podcast"  # also matched by pattern; use a neutral one too
    neutral = "DailyNewsHub - independent voices since 1998"
    text = neutral + "\n" + STORY
    keys = short_line_keys(text)
    c = clean(text, repeated=keys)
    assert neutral not in c.text(text)
    assert "Officials met" in c.text(text)  # a long paragraph is never furniture by repetition
    assert site not in clean(site + "\n" + STORY).text(site + "\n" + STORY)


def test_line_keys_counted_while_reading_are_the_keys_cleaning_looks_up():
    from copytrace.clean.boilerplate import batch_line_keys, line_table

    texts = ["Share this:\nA long paragraph of the story itself, with far more than fifteen words in it, so never "
             "furniture by its length alone.\n  SHARE   this:  \n\nPosted by admin", "", "one line", "Ünïcode Line\r\n"]
    counted = batch_line_keys(texts)
    looked_up = [key for t in texts for key in {k for _, k in line_table(t)[1]}]
    assert looked_up
    assert sorted(counted.tolist()) == sorted(looked_up)
    assert len(set(line_table(texts[0])[1][k][1] for k in (0, 1))) == 1  # case and spacing do not matter
