"""The index: added to in parts it answers as one scan does; queried, it finds copies without keeping them; a removed
document never comes back; a merge keeps every answer; a killed add leaves the last commit; a reader never sees an
add half done; a folder that is not an index is named as such."""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_cli
from copytrace import Index, ScanConfig, read_inputs, scan_documents
from copytrace.config import DEFAULTS
from copytrace.document import Document
from copytrace.write.results import write_results

NEWS, DISGUISED = ROOT / "examples" / "news", ROOT / "examples" / "disguised"
RESULT_FILES = ("documents.jsonl", "pairs.jsonl", "clusters.jsonl")


def _files(folder):
    """The three result files; documents without their path (the index's came from other files than the scan's)."""
    out = {name: (folder / name).read_text(encoding="utf-8") for name in RESULT_FILES}
    out["documents.jsonl"] = [{k: v for k, v in json.loads(line).items() if k != "path"}
                              for line in out["documents.jsonl"].splitlines()]
    return out


def _corpus(tmp_path):
    """The two examples as one record corpus, in one order."""
    rows = [{"id": f"{folder.name}/{d.id}", "text": d.text}
            for folder in (NEWS, DISGUISED) for d in read_inputs([str(folder)])]
    assert len(rows) == 9
    return rows


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("parts", [1, 3, 9])
def test_an_index_added_to_in_parts_writes_what_one_scan_writes(tmp_path, parts):
    rows = _corpus(tmp_path)
    code, _, err = run_cli("scan", _write(tmp_path / "all.jsonl", rows), "--out", tmp_path / "scan", "-q")
    assert code == 0, err
    size = -(-len(rows) // parts)
    for k in range(0, len(rows), size):
        code, _, err = run_cli("index", "add", tmp_path / "ix", _write(tmp_path / f"part{k}.jsonl", rows[k:k + size]),
                               "-q")
        assert code == 0, err
    code, _, err = run_cli("index", "pairs", tmp_path / "ix", "--out", tmp_path / "pairs", "-q")
    assert code == 0, err
    scanned = _files(tmp_path / "scan")
    assert scanned["pairs.jsonl"].count("\n") >= 8  # the examples' copies and story links
    assert _files(tmp_path / "pairs") == scanned
    stats = json.loads(run_cli("index", "stats", tmp_path / "ix")[1])
    # nine adds of one document each: every fourth small segment merges the newest ones (index.merge_start)
    assert stats["documents"] == 9 and stats["segments"] == {1: 1, 3: 3, 9: 3}[parts]


def test_a_query_finds_copies_among_the_indexed_documents_and_keeps_nothing(tmp_path):
    ix = Index(tmp_path / "ix")
    ix.add(read_inputs([str(NEWS)]))
    before = ix.stats()
    pairs, skips = ix.query(read_inputs([str(DISGUISED / "spun.txt"), str(DISGUISED / "translation-de.txt")]))
    assert skips == []
    found = {(p.a, p.b): p.kind.value for p in pairs}
    assert found[("spun.txt", "story.txt")] == "spun"
    assert found[("translation-de.txt", "story.txt")] == "translation"
    assert all(a in ("spun.txt", "translation-de.txt") for a, _ in found)  # a is always the query
    spun = next(p for p in pairs if (p.a, p.b) == ("spun.txt", "story.txt"))
    text = (DISGUISED / "spun.txt").read_text(encoding="utf-8")
    assert all(0 <= s < e <= len(text) for p in spun.passages for s, e in [p.a])  # offsets into the query
    assert ix.stats() == before


def _segment_pages_mapped(index_path) -> int:
    """kB of the index's segment files this process has resident in its mappings (/proc/self/smaps)."""
    total, inside = 0, False
    for line in open("/proc/self/smaps", encoding="utf-8"):
        if line[:1].isalnum() and "-" in line.split(" ", 1)[0]:
            inside = str(index_path) in line
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_a_reader_over_its_mapped_pages_budget_lets_them_go_and_answers_alike(tmp_path):
    from copytrace.config import EngineConfig

    Index(tmp_path / "ix").add(read_inputs([str(NEWS)]))
    queries = [str(DISGUISED / "spun.txt"), str(DISGUISED / "translation-de.txt")]
    unlimited = Index(tmp_path / "ix", ScanConfig(progress=False))
    expected = [p.to_json() for p in unlimited.query(read_inputs(queries))[0]]
    assert _segment_pages_mapped(tmp_path / "ix") > 0  # the query read the segments through their mappings
    del unlimited
    bounded = Index(tmp_path / "ix", ScanConfig(progress=False, sizes=EngineConfig(index_mapped_mb=1)))
    assert [p.to_json() for p in bounded.query(read_inputs(queries))[0]] == expected
    # more than 1 MB of files is mapped (the interpreter's own libraries): the query let go of its pages
    assert _segment_pages_mapped(tmp_path / "ix") == 0


def test_a_removed_document_never_comes_back(tmp_path):
    ix = Index(tmp_path / "ix")
    ix.add(read_inputs([str(NEWS)]))
    assert any("repost.html" in (p.a, p.b) for p in ix.pairs().pairs)
    assert ix.remove(["repost.html", "nothing-such"]) == ["nothing-such"]
    result = ix.pairs()
    assert result.pairs and all("repost.html" not in (p.a, p.b) for p in result.pairs)
    assert "repost.html" not in {d.id for d in result.documents}
    assert all("repost.html" not in c.members for c in result.clusters)
    pairs, _ = ix.query([_renamed(NEWS / "story.txt", "query")])
    assert pairs and all(p.b != "repost.html" for p in pairs)
    ix.merge()
    assert ix.stats()["deleted"] == 0 and ix.stats()["documents"] == 3 and ix.stats()["segments"] == 1
    assert all("repost.html" not in (p.a, p.b) for p in ix.pairs().pairs)
    # the id is free again
    assert ix.add([_renamed(NEWS / "repost.html", "repost.html")]).added == 1


def _renamed(path, doc_id):
    from copytrace import Document

    return Document(doc_id, path.read_text(encoding="utf-8") if path.suffix != ".html"
                    else next(iter(read_inputs([str(path)]))).text)


def test_merging_segments_changes_no_answer(tmp_path):
    from dataclasses import replace

    rows = _corpus(tmp_path)
    config = ScanConfig(progress=False)
    config.sizes = replace(config.sizes, small_segments=100)  # no merge before the one asked for
    ix = Index(tmp_path / "ix", config)
    for row in rows:
        ix.add([_doc(row)])
    assert ix.stats()["segments"] == 9
    write_results(ix.pairs(), tmp_path / "before")
    ix.merge()
    assert ix.stats()["segments"] == 1
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("seg-")] == ["seg-000010"]
    write_results(ix.pairs(), tmp_path / "after")
    assert _files(tmp_path / "before") == _files(tmp_path / "after")


def test_adds_past_the_segment_limit_merge_only_the_newest_small_segments_and_change_no_answer(tmp_path):
    from dataclasses import replace

    from copytrace.config import EngineConfig
    from copytrace.index.index import merge_start

    four = EngineConfig(max_segments=4, small_segments=3, small_segment_documents=10)
    assert merge_start([100, 50, 50, 50], four) is None
    assert merge_start([1000, 50, 50, 50, 50], four) == 1  # the newer ones among themselves, the large one alone
    assert merge_start([5000, 400, 300, 200, 200], four) == 1  # each older one taken while no larger than the rest
    assert merge_start([5000, 400, 300, 200, 200], replace(four, max_segments=5)) is None
    assert merge_start([100, 40, 30, 20, 20], four) == 0  # ... up to the oldest: a merge of all
    assert merge_start([100, 50, 5, 5], four) is None  # two small ones: not yet
    assert merge_start([100, 50, 5, 5, 5], four) == 2  # three: merged among themselves, however few segments
    rows = _corpus(tmp_path)
    plain, tiered = ScanConfig(progress=False), ScanConfig(progress=False)
    plain.sizes = replace(plain.sizes, max_segments=100, small_segments=100)
    tiered.sizes = replace(tiered.sizes, max_segments=3, small_segment_documents=0)
    indexes = [Index(tmp_path / "plain", plain), Index(tmp_path / "tiered", tiered)]
    for ix in indexes:
        ix.add([_doc(r) for r in rows[:5]])
        for k, row in enumerate(rows[5:]):
            ix.add([_doc(row)])
            if k == 1:
                assert ix.remove([rows[0]["id"], rows[5]["id"]]) == []
    assert indexes[0].stats()["segments"] == 5
    assert indexes[1].stats()["segments"] <= 3
    seg = sorted(p.name for p in (tmp_path / "tiered").iterdir() if p.name.startswith("seg-"))
    assert seg[0] == "seg-000001"  # the first, large add was never rewritten
    for ix, name in zip(indexes, ("plain", "tiered")):
        write_results(ix.pairs(), tmp_path / f"out-{name}")
    assert _files(tmp_path / "out-plain") == _files(tmp_path / "out-tiered")
    assert indexes[0].stats()["documents"] == indexes[1].stats()["documents"] == 7
    queries = [_renamed(NEWS / "story.txt", "q1"), _renamed(DISGUISED / "spun.txt", "q2")]
    answers = [[p.to_json() for p in ix.query(queries)[0]] for ix in indexes]
    assert answers[0] and answers[0] == answers[1]
    assert all(rows[0]["id"] not in (p["b"],) and rows[5]["id"] != p["b"] for p in answers[1])


def test_the_copies_of_each_document_are_its_pairs_as_the_whole_index_settles_them(tmp_path):
    rows = _corpus(tmp_path)
    ix = Index(tmp_path / "ix", ScanConfig(progress=False))
    ix.add([_doc(r) for r in rows[:4]])
    ix.add([_doc(r) for r in rows[4:]])
    everything = ix.pairs().pairs
    assert any(p.kind.value == "translation" for p in everything)
    for row in rows:
        doc_id = row["id"]
        expected = [p if p.a == doc_id else p.swapped() for p in everything if doc_id in (p.a, p.b)]
        found = ix.copies(doc_id)
        assert [p.to_json() for p in found] == [p.to_json() for p in expected], doc_id
    assert ix.copies("no-such-document") is None
    ix.remove([rows[0]["id"]])
    assert ix.copies(rows[0]["id"]) is None
    assert all(rows[0]["id"] not in (p.a, p.b) for row in rows[1:] for p in ix.copies(row["id"]))


def _doc(row):
    from copytrace import Document

    return Document(row["id"], row["text"])


def test_an_id_already_indexed_is_a_skip_unless_replaced(tmp_path):
    story = tmp_path / "c.jsonl"
    _write(story, [{"id": "s", "text": (NEWS / "story.txt").read_text(encoding="utf-8")}])
    assert run_cli("index", "add", tmp_path / "ix", story, "-q")[0] == 0
    code, _, err = run_cli("index", "add", tmp_path / "ix", story, "-q")
    assert code == 1 and "already in the index" in err
    code, _, err = run_cli("index", "add", tmp_path / "ix", story, "-q", "--replace")
    assert code == 0, err
    stats = json.loads(run_cli("index", "stats", tmp_path / "ix")[1])
    assert stats["documents"] == 1 and stats["deleted"] == 1


def test_a_folder_that_is_not_an_index_is_named(tmp_path):
    code, _, err = run_cli("index", "stats", NEWS)
    assert code == 2 and "not a copytrace index" in err and "Traceback" not in err
    code, _, err = run_cli("index", "add", NEWS, NEWS / "story.txt")
    assert code == 2 and "not a copytrace index" in err
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(json.dumps({"format": 99}))
    code, _, err = run_cli("index", "query", tmp_path / "old", NEWS / "story.txt", "--out", tmp_path / "q.jsonl")
    assert code == 2 and "format 99" in err


ADD_SCRIPT = """
import sys
from copytrace import Index, read_inputs
Index(sys.argv[1]).add(read_inputs([sys.argv[2]]))
"""


def _many_documents(tmp_path, n, tag):
    base = [d.text for d in read_inputs([str(NEWS)])]
    rng = random.Random(tag)
    rows = []
    for k in range(n):
        words = rng.choice(base).split()
        rng.shuffle(words)
        rows.append({"id": f"{tag}-{k}", "text": " ".join(words)})
    return _write(tmp_path / f"{tag}.jsonl", rows)


def test_a_killed_add_leaves_the_last_commit_and_a_readd_succeeds(tmp_path):
    """SIGKILL at 20 moments spread over an add (one at random in each twentieth of its duration, and past its
    end): the index opens, holds exactly the committed documents, and the same add run again commits whole."""
    ix_path = tmp_path / "ix"
    Index(ix_path).add(read_inputs([str(NEWS)]))
    batch = _many_documents(tmp_path, 300, "day2")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", ADD_SCRIPT, str(tmp_path / "timing"), str(batch)], check=True)
    duration = time.perf_counter() - start
    rng = random.Random(7)
    committed = 4
    moments = 20
    for attempt in range(moments):
        proc = subprocess.Popen([sys.executable, "-c", ADD_SCRIPT, str(ix_path), str(batch)])
        time.sleep(rng.uniform(attempt, attempt + 1) * 1.1 * duration / moments)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stats = Index(ix_path).stats()
        assert stats["documents"] in (committed, committed + 300)
        if stats["documents"] == committed + 300:  # the add had committed before the kill: take it back out
            Index(ix_path).remove([f"day2-{k}" for k in range(300)])
            Index(ix_path).merge()
        ids = {d.id for d in Index(ix_path).pairs().documents}
        assert ids == {d.id for d in read_inputs([str(NEWS)])}
    assert Index(ix_path).add(read_inputs([str(batch)])).added == 300
    assert Index(ix_path).stats()["documents"] == committed + 300
    assert not [p for p in ix_path.iterdir() if p.name.startswith(".tmp-")]


QUERY_SCRIPT = """
import sys, json
from copytrace import Index, read_inputs
ix = Index(sys.argv[1])
counts = []
while True:
    pairs, _ = ix.query(read_inputs([sys.argv[2]]))
    counts.append(len(pairs))
    if ix.stats()["documents"] > int(sys.argv[3]):
        pairs, _ = ix.query(read_inputs([sys.argv[2]]))
        counts.append(len(pairs))
        break
print(json.dumps(counts))
"""


def test_readers_during_an_add_see_the_index_before_or_after_never_half(tmp_path):
    ix_path = tmp_path / "ix"
    Index(ix_path).add(read_inputs([str(NEWS / "story.txt")]))
    reader = subprocess.Popen([sys.executable, "-c", QUERY_SCRIPT, str(ix_path), str(DISGUISED / "spun.txt"), "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    Index(ix_path).add(read_inputs([str(NEWS / "repost.html")]))
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    counts = json.loads(out)
    # the spun copy matches the story before the add, and the story and its repost after it
    assert set(counts) <= {1, 2} and counts[-1] == 2


def test_scan_output_through_the_python_api(tmp_path):
    ix = Index(tmp_path / "ix", ScanConfig(layers=("lexical",)))
    ix.add(read_inputs([str(NEWS)]))
    assert ix.stats()["layers"] == ["lexical"]
    kinds = {frozenset((p.a, p.b)): p.kind.value for p in ix.pairs().pairs}
    assert kinds[frozenset(("repost.html", "story.txt"))] == "near_duplicate"
    assert os.path.exists(tmp_path / "ix" / "manifest.json")


def test_the_newsrooms_day_in_the_readme_runs_on_the_shipped_files(tmp_path):
    room, ix = ROOT / "examples" / "newsroom", tmp_path / "newsroom"
    for day in ("archive.jsonl", "crawl-2024-03-04.jsonl"):
        assert run_cli("index", "add", ix, room / day, "--date-field", "date", "-q")[0] == 0
    code, _, err = run_cli("index", "query", ix, room / "todays-story.txt", "--out", tmp_path / "copies.jsonl", "-q")
    assert code == 0, err
    assert {json.loads(line)["b"] for line in (tmp_path / "copies.jsonl").read_text().splitlines()} >= {
        "agency/2024-03-04-diplomats", "web/scraper.example/diplomats-repost"}
    assert run_cli("index", "pairs", ix, "--out", tmp_path / "report", "-q")[0] == 0
    ours = "agency/2024-03-04-diplomats"
    kinds = {json.loads(line)["b"]: (json.loads(line)["kind"], json.loads(line)["source"])
             for line in (tmp_path / "report" / "pairs.jsonl").read_text().splitlines()
             if json.loads(line)["a"] == ours}
    assert kinds == {"web/digest.example/talks-rewritten": ("paraphrase", ours),
                     "web/nachrichten.example/diplomaten": ("translation", ours),
                     "web/scraper.example/diplomats-repost": ("near_duplicate", ours),
                     "web/spinfarm.example/prime-diplomats": ("spun", ours)}
    assert run_cli("index", "remove", ix, "web/spinfarm.example/prime-diplomats")[0] == 0
    assert run_cli("index", "pairs", ix, "--out", tmp_path / "after", "-q")[0] == 0
    assert "prime-diplomats" not in (tmp_path / "after" / "pairs.jsonl").read_text()


def test_dedup_against_an_index_drops_copies_of_what_it_holds_and_adds_what_it_keeps(tmp_path):
    room, ix = ROOT / "examples" / "newsroom", tmp_path / "ix"
    assert run_cli("index", "add", ix, room / "archive.jsonl", "--date-field", "date", "-q")[0] == 0
    crawl = [json.loads(line) for line in (room / "crawl-2024-03-04.jsonl").read_text().splitlines()]
    again = {"id": "agency/2024-03-04-storm", "text": "A record claiming an id the index holds, long enough to count."}
    shard = _write(tmp_path / "shard.jsonl", crawl + [again])
    out = tmp_path / "kept.jsonl"
    code, _, err = run_cli("dedup", shard, "--out", out, "--index", ix, "--date-field", "date", "-q", "--no-add")
    assert code == 1, err  # the held id is a skip
    assert json.loads(run_cli("index", "stats", ix)[1])["documents"] == 2  # --no-add: untouched
    code, _, err = run_cli("dedup", shard, "--out", out, "--index", ix, "--date-field", "date", "-q")
    assert code == 1, err
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    dropped = [json.loads(line) for line in (tmp_path / "kept.jsonl.dropped.jsonl").read_text().splitlines()]
    skipped = [json.loads(line) for line in (tmp_path / "kept.jsonl.skipped.jsonl").read_text().splitlines()]
    assert len(kept) + len(dropped) + len(skipped) == len(crawl) + 1
    assert [r["id"] for r in kept] == ["web/rival-agency.example/talks"]  # the same story, told independently
    assert {d["kept"] for d in dropped} == {"agency/2024-03-04-diplomats"}
    assert [s["id"] for s in skipped] == ["agency/2024-03-04-storm"]
    stats = json.loads(run_cli("index", "stats", ix)[1])
    assert stats["documents"] == 3  # the archive and the one kept
    # the next shard's copy of the kept report is dropped against the index
    rival = next(r for r in crawl if r["id"] == "web/rival-agency.example/talks")
    nxt = _write(tmp_path / "next.jsonl", [{"id": "web/mirror.example/talks", "text": rival["text"]}])
    code, _, err = run_cli("dedup", nxt, "--out", tmp_path / "next-kept.jsonl", "--index", ix, "-q")
    assert code == 0, err
    assert (tmp_path / "next-kept.jsonl").read_text() == ""
    assert "exact of web/rival-agency.example/talks" in (tmp_path / "next-kept.jsonl.dropped.jsonl").read_text()


def test_a_text_cut_into_other_sentences_by_a_later_add_is_embedded_anew():
    """The same text cleaned with other furniture lines has other sentences: the embeddings a process cached for
    its first cut must not be handed to the second (a later add to an index once crashed on mismatched shapes)."""
    from copytrace.align.cascade import cleaned_view
    from copytrace.align.meaning import sentence_embeddings
    from copytrace.clean import short_line_keys

    byline = "Reporting by the wire desk in Geneva."
    text = byline + "\n" + (NEWS / "story.txt").read_text(encoding="utf-8")
    whole = cleaned_view("s", text)
    cut = cleaned_view("s", text, repeated=frozenset(short_line_keys(byline)))  # the byline became furniture
    assert len(cut.sentences) == len(whole.sentences) - 1
    assert sentence_embeddings(whole).shape[0] == len(whole.sentences)
    assert sentence_embeddings(cut).shape[0] == len(cut.sentences)


def test_an_add_returns_the_pairs_it_stored(tmp_path):
    ix = Index(tmp_path / "ix")
    first = ix.add(read_inputs([str(NEWS / "story.txt")]))
    assert first.found_pairs == []
    done = ix.add(read_inputs([str(DISGUISED / "spun.txt")]))
    assert done.pairs == len(done.found_pairs) == 1
    pair = done.found_pairs[0]
    assert {pair.a, pair.b} == {"story.txt", "spun.txt"} and pair.kind.value == "spun"
    assert {frozenset((p.a, p.b)) for p in ix.pairs().pairs} == {frozenset((pair.a, pair.b))}


def test_index_pairs_writes_a_report_with_the_texts_it_keeps(tmp_path):
    room, ix = ROOT / "examples" / "newsroom", tmp_path / "ix"
    assert run_cli("index", "add", ix, room / "archive.jsonl", room / "crawl-2024-03-04.jsonl", "-q")[0] == 0
    code, _, err = run_cli("index", "pairs", ix, "--out", tmp_path / "out", "--report", tmp_path / "r.html", "-q")
    assert code == 0, err
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    story = json.loads((room / "archive.jsonl").read_text().splitlines()[0])["text"]
    assert "web/spinfarm.example/prime-diplomats" in page
    assert 'src="http' not in page and 'href="http' not in page  # self-contained
    assert json.dumps(story[:60])[1:-1].replace("<", "\\u003c").replace(">", "\\u003e") in page  # the text is in


def test_threads_read_one_index_while_it_is_added_to_and_merged(tmp_path):
    """One Index object shared by reader threads (as `copytrace serve` shares it) while adds commit and merges remove
    the segments the readers hold: every read answers (texts decompressed per thread, arrays mapped when a segment
    opens), and nothing crashes."""
    import threading

    from copytrace import Document
    from copytrace.config import EngineConfig

    ix = Index(tmp_path / "ix", ScanConfig(sizes=EngineConfig(max_segments=2)))
    ix.add(read_inputs([str(NEWS)]))
    ids = [d.id for d in read_inputs([str(NEWS)])]
    query = Document("q", (DISGUISED / "spun.txt").read_text(encoding="utf-8"))
    stop, errors, answers = threading.Event(), [], []

    def read():
        while not stop.is_set():
            try:
                found = ix.documents(ids)
                pairs, _ = ix.query([query])
                answers.append((len(found), any(p.b == "story.txt" for p in pairs)))
            except Exception as e:  # noqa: BLE001 (the test names what failed)
                errors.append(repr(e))

    readers = [threading.Thread(target=read) for _ in range(6)]
    for t in readers:
        t.start()
    try:
        for k in range(5):
            ix.add(read_inputs([str(_many_documents(tmp_path, 40, f"day{k}"))]))
    finally:
        stop.set()
        for t in readers:
            t.join(60)
    assert errors == []
    assert answers and all(n == len(ids) and spun for n, spun in answers)
    assert ix.stats()["segments"] <= 2



def _sharing_a_passage(n):
    """n documents of random words that share one passage of 60 words (nothing else in common worth a pair)."""
    rng = random.Random(5)
    words = [f"w{i}x{rng.randrange(10**6)}" for i in range(5000)]
    passage = " ".join(rng.choice(words) for _ in range(60))
    return [Document(f"d{i}", " ".join(rng.choice(words) for _ in range(300)) + ". " + passage + ". "
                     + " ".join(rng.choice(words) for _ in range(300))) for i in range(n)]


def _lexical(**candidates):
    return ScanConfig(layers=("lexical",), workers=1, progress=False,
                      thresholds=DEFAULTS.with_values({"candidates": candidates}))


def test_an_add_drops_the_keys_too_common_in_the_whole_index_as_a_scan_does(tmp_path):
    # a passage held by six documents, past the shingle cap of three: a scan of the six pairs none of them on it. An
    # add of the last two must count the four already indexed too, not only each other, and pair nothing either.
    docs = _sharing_a_passage(6)
    config = _lexical(shingle_max_doc_freq=3)
    assert scan_documents(docs, config).pairs == []
    # the scan's answer is the cap's: raised, the same documents pair up on the passage
    assert len(scan_documents(docs, _lexical(shingle_max_doc_freq=6)).pairs) == 15
    ix = Index(tmp_path / "ix", config)
    ix.add(docs[:4])
    assert ix.add(docs[4:]).found_pairs == []
    assert ix.pairs().pairs == []


def test_caps_scaled_to_the_corpus_drop_in_an_early_add_what_a_scan_of_the_grown_corpus_drops(tmp_path):
    docs = _sharing_a_passage(6)
    assert DEFAULTS.candidates.doc_freq_cap(50, 10**6) == 50  # absolute unless a reference size is given
    # a cap of 6 at 12 documents: 3 at the six documents of a scan, 2 at the four of a first add
    config = _lexical(shingle_max_doc_freq=6, doc_freq_reference=12, doc_freq_floor=1)
    assert scan_documents(docs, config).pairs == []
    ix = Index(tmp_path / "ix", config)
    assert ix.add(docs[:4]).found_pairs == []
    ix.add(docs[4:])
    assert ix.pairs().pairs == []
    # an absolute cap of 4: a scan of the six pairs none, but a first add of four pairs them all, for good
    absolute = _lexical(shingle_max_doc_freq=4)
    assert scan_documents(docs, absolute).pairs == []
    ix = Index(tmp_path / "ix-absolute", absolute)
    assert len(ix.add(docs[:4]).found_pairs) == 6
    ix.add(docs[4:])
    assert len(ix.pairs().pairs) == 6
