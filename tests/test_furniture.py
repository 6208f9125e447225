"""Furniture printed inside the text of every page of a site (no line break to remove it by) never makes two pages
copies of each other, however the sample of shingles falls on it; a real copy between two such pages is still found,
and its passages leave the furniture out."""
import random

from copytrace import Document, Kind, ScanConfig, scan_documents

# HuffPost's in-text furniture, as scraped: a content-defined 1-in-8 sample of its shingles misses its first 40 words
FURNITURE = (
    "Do you have information you want to share with the Huffington Post? Here's how. Share this slide: How will "
    "Donald Trump's first 100 days impact YOU? Subscribe, choose the community that you most identify with or want "
    "to learn more about and we'll send you the news that matters most once a week throughout Trump's first 100 "
    "days in office. Learn more"
)


def _prose(rng, words):
    """Unrelated text: sentences of words drawn from a large made-up vocabulary."""
    out = []
    while len(out) < words:
        sentence = [f"w{rng.randrange(20000)}" for _ in range(rng.randrange(8, 16))]
        sentence[0] = sentence[0].capitalize()
        out.extend(sentence)
        out[-1] += "."
    return " ".join(out)


def test_in_text_furniture_is_never_a_copy_and_is_left_out_of_a_real_copys_passages():
    rng = random.Random(11)
    stories = [_prose(rng, 160) for _ in range(12)]
    pages = [Document(f"page-{k}", f"{s} {FURNITURE} {_prose(rng, 60)}") for k, s in enumerate(stories)]
    # a page that copies page-0's story (and, being on the same site, prints the same furniture)
    copied = f"{_prose(rng, 120)} {stories[0]} {FURNITURE} {_prose(rng, 40)}"
    pages.append(Document("copy", copied))
    result = scan_documents(pages, ScanConfig(workers=1))
    copies = [p for p in result.pairs if p.kind is not Kind.SAME_STORY]
    assert [{p.a, p.b} for p in copies] == [{"copy", "page-0"}]
    furniture_start = copied.index(FURNITURE)
    assert copies[0].passages
    for passage in copies[0].passages:
        span = passage.a if copies[0].a == "copy" else passage.b
        # the copied story, not the furniture after it (an alignment seed may reach a word or three into it)
        assert span[1] < furniture_start + len("Do you have information")
