"""copytrace serve: the real server (uvicorn in a subprocess on a loopback port) answers each endpoint as DESIGN.md
says; keys are checked in constant time and scoped; bodies over the limit, too many documents and malformed input
are refused, named; a webhook receives signed events for copies of watched documents, retried until it answers;
a server killed during an add holds exactly the committed batches when started again."""
import hashlib
import hmac
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from conftest import ROOT, run_cli  # noqa: E402
from test_report import browser  # noqa: E402, F401 (the report tests' headless Chromium, a fixture)
from copytrace import read_inputs  # noqa: E402
from copytrace.document import Document  # noqa: E402
from copytrace.service import auth  # noqa: E402

NEWS, DISGUISED = ROOT / "examples" / "news", ROOT / "examples" / "disguised"
READ, WRITE = "r-key-for-tests-0123456789", "w-key-for-tests-9876543210"


def _texts(folder, *names):
    """The examples as the service takes them: id and extracted text."""
    found = {d.id: d.text for d in read_inputs([str(folder)]) if isinstance(d, Document)}
    return [{"id": n, "text": found[n]} for n in (names or sorted(found))]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m copytrace serve` in a subprocess, its log in a file; a client with a key."""

    def __init__(self, tmp_path, index, *options):
        self.keys = tmp_path / "keys"
        self.keys.write_text(f"# test keys\n{READ} read\n{WRITE} write\n")
        self.index, self.options, self.log = index, options, tmp_path / f"server-{time.time_ns()}.log"
        self.start()

    def start(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "copytrace", "serve", str(self.index), "--keys", str(self.keys),
             "--port", str(self.port), *self.options], stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("the server did not answer within 60 s")

    def client(self, key=WRITE):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(30)

    def children(self):
        """The server's worker processes (its readers and its writer; not multiprocessing's resource tracker)."""
        found = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return [pid for pid in found if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """A server over an index of examples/news, added through the service; small limits to test them cheaply."""
    tmp = tmp_path_factory.mktemp("serve")
    server = Server(tmp, tmp / "ix", "--max-documents", "5", "--max-body-mb", "1")
    with server.client() as c:
        server.first_add = c.post("/v1/documents", json={"documents": _texts(NEWS)})
    yield server
    server.stop()


def test_an_add_commits_the_batch_and_answers_what_it_found(news):
    assert news.first_add.status_code == 200, news.first_add.text
    answer = news.first_add.json()
    assert answer["added"] == 4 and answer["skipped"] == [] and answer["pairs"] >= 2
    with news.client() as c:
        again = c.post("/v1/documents", json={"documents": _texts(NEWS, "story.txt")}).json()
        stats = c.get("/v1/stats").json()
    assert again["added"] == 0 and again["skipped"][0]["id"] == "story.txt"
    assert "already in the index" in again["skipped"][0]["reason"]
    assert stats["documents"] == 4 and stats["segments"] == 1


def test_a_query_finds_the_spun_copy_and_keeps_nothing(news):
    with news.client(READ) as c:
        answer = c.post("/v1/query", json={"texts": [{"id": "spun", "text": _texts(DISGUISED, "spun.txt")[0]["text"]},
                                                     {"text": _texts(NEWS, "unrelated.txt")[0]["text"]}]})
        stats = c.get("/v1/stats").json()
    assert answer.status_code == 200, answer.text
    pairs = answer.json()["pairs"]
    kinds = {(p["a"], p["b"]): p["kind"] for p in pairs}
    assert kinds[("spun", "story.txt")] == "spun"
    assert ("query-2", "unrelated.txt") in kinds and kinds[("query-2", "unrelated.txt")] == "exact"
    assert set(pairs[0]) == {"a", "b", "kind", "score", "coverage_a", "coverage_b", "source", "passages"}
    assert set(pairs[0]["passages"][0]) == {"a", "b", "kind", "score"}
    assert stats["documents"] == 4


def test_the_copies_of_a_document_are_its_pairs_seen_from_it(news):
    with news.client(READ) as c:
        answer = c.get("/v1/documents/story.txt/copies")
        missing = c.get("/v1/documents/no-such-story/copies")
    assert answer.status_code == 200, answer.text
    kinds = {p["b"]: p["kind"] for p in answer.json()["pairs"]}
    assert kinds["repost.html"] == "near_duplicate" and "later-version.txt" in kinds
    assert all(p["a"] == "story.txt" for p in answer.json()["pairs"])
    assert missing.status_code == 404


def test_a_removed_document_is_gone_from_query_and_copies(news):
    spun = _texts(DISGUISED, "spun.txt")[0]
    with news.client() as c:
        assert c.post("/v1/documents", json={"documents": [{**spun, "id": "site/spun-copy"}]}).json()["added"] == 1
        copies = {p["b"] for p in c.get("/v1/documents/story.txt/copies").json()["pairs"]}
        assert "site/spun-copy" in copies
        assert c.delete("/v1/documents/site/spun-copy").json() == {"removed": "site/spun-copy"}
        assert c.delete("/v1/documents/site/spun-copy").status_code == 404
        copies = {p["b"] for p in c.get("/v1/documents/story.txt/copies").json()["pairs"]}
        found = {p["b"] for p in c.post("/v1/query", json={"texts": [spun]}).json()["pairs"]}
        assert c.get("/v1/documents/site/spun-copy/copies").status_code == 404
        assert c.get("/v1/stats").json()["documents"] == 4
    assert "site/spun-copy" not in copies | found and "story.txt" in found


def test_keys_are_needed_and_scoped(news):
    body = {"documents": _texts(NEWS, "story.txt")}
    with news.client(key=None) as c:
        assert c.get("/v1/stats").status_code == 401
        assert c.post("/v1/documents", json=body).status_code == 401
        wrong = c.get("/v1/stats", headers={"Authorization": "Bearer " + WRITE[:-1] + "X"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        assert c.get("/v1/stats", headers={"Authorization": "Basic " + WRITE}).status_code == 401
        assert c.get("/openapi.json").status_code == 200 and "/docs" in c.get("/").text
    with news.client(READ) as c:
        assert c.get("/v1/stats").status_code == 200
        for refused in (c.post("/v1/documents", json=body), c.delete("/v1/documents/story.txt"),
                        c.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "secret": "s"})):
            assert refused.status_code == 403 and "write" in refused.json()["detail"]
    with news.client() as c:
        assert c.get("/v1/stats").json()["documents"] == 4  # a write key reads too; nothing was added or removed


def test_limits_and_malformed_input_are_refused_and_named(news):
    with news.client() as c:
        big = c.post("/v1/documents", content=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and "limit" in big.json()["detail"]

        def chunks():  # no Content-Length: refused while reading, not after
            for _ in range(64):
                yield b"y" * 65536
        streamed = c.post("/v1/documents", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413

        many = c.post("/v1/documents", json={"documents": [{"id": f"d{k}", "text": "some words"} for k in range(6)]})
        assert many.status_code == 422 and many.json()["detail"][0]["field"] == "documents"
        texts = c.post("/v1/query", json={"texts": [{"text": "a"}] * 101})
        assert texts.status_code == 422 and texts.json()["detail"][0]["field"] == "texts"
        bad = c.post("/v1/documents", json={"documents": [{"id": "x", "text": "fine"}, {"id": "y"},
                                                          {"id": 3, "text": "t"}]})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["detail"]} == {"documents[1].text", "documents[2].id"}
        twice = c.post("/v1/documents", json={"documents": [{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]})
        assert twice.status_code == 422 and twice.json()["detail"][0]["field"] == "documents[1].id"
        syntax = c.post("/v1/query", content=b'{"texts": [', headers={"Content-Type": "application/json"})
        assert syntax.status_code == 422 and syntax.headers["content-type"] == "application/json"
        assert c.get("/v1/stats").json()["documents"] == 4  # nothing half-added


def test_each_request_is_one_json_log_line_with_the_key_scope_never_the_key(news):
    with news.client(READ) as c:
        c.get("/v1/stats")
    lines = [json.loads(line) for line in news.log.read_text().splitlines() if line.startswith("{")]
    assert {"method": "GET", "path": "/v1/stats", "status": 200, "key_scope": "read"}.items() <= lines[-1].items()
    assert isinstance(lines[-1]["ms"], float)
    assert {line["status"] for line in lines} >= {200, 401, 403, 413, 422}
    text = news.log.read_text()
    assert READ not in text and WRITE not in text


def test_keys_are_compared_with_every_key_in_constant_time(tmp_path, monkeypatch):
    path = tmp_path / "keys"
    path.write_text("alpha read\n\n# a comment\nbeta write\ngamma read\n")
    keys = auth.Keys.read(path)
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert keys.scope_of("alpha") == "read"
    assert len(calls) == 3  # no early exit on the first key's match
    calls.clear()
    assert keys.scope_of("beta") == "write" and keys.scope_of("nobody") is None and len(calls) == 6
    assert auth.allows("write", "read") and auth.allows("read", "read") and not auth.allows("read", "write")


def test_a_missing_or_ill_formed_keys_file_is_bad_usage_in_one_line(tmp_path):
    bad = tmp_path / "keys"
    bad.write_text("alpha admin\n")
    for keys in (tmp_path / "none", bad):
        code, _, err = run_cli("serve", tmp_path / "ix", "--keys", keys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "read or write" in err


class Receiver:
    """A webhook receiver on loopback: fails the first delivery with 500, takes the next ones."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.received) == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


def test_a_copy_of_a_watched_story_is_a_signed_webhook_event_retried_until_taken(tmp_path):
    receiver = Receiver()
    server = Server(tmp_path, tmp_path / "ix", "--webhook-backoff", "0.2")
    secret = "s3cret-of-the-newsroom"
    try:
        with server.client() as c:
            hook = c.post("/v1/webhooks", json={"url": receiver.url, "secret": secret})
            assert hook.status_code == 201 and "secret" not in hook.json()
            assert c.post("/v1/webhooks", json={"url": "ftp://x", "secret": "s"}).json()["detail"][0]["field"] == "url"
            story = {**_texts(DISGUISED, "story.txt")[0], "watch": True}
            assert c.post("/v1/documents", json={"documents": [story]}).json()["events"] == 0
            later = c.post("/v1/documents", json={"documents": _texts(DISGUISED, "spun.txt", "other-agency.txt")})
            assert later.json()["events"] == 1  # the spun copy; the other agency's report is the same story
            received = receiver.wait_for(2)
            deadline = time.monotonic() + 10
            while c.get("/v1/webhooks").json()["deliveries"]["delivered"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            listing = c.get("/v1/webhooks").json()
    finally:
        server.stop()
        receiver.server.shutdown()
    assert len(received) == 2 and received[0][1] == received[1][1]
    headers, body = received[1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Copytrace-Signature"], expected)
    event = json.loads(body)
    assert {k: event[k] for k in ("event", "watched", "copy", "kind")} == {
        "event": "copy_found", "watched": "story.txt", "copy": "spun.txt", "kind": "spun"}
    assert 0 < event["score"] <= 1 and event["passages"] and set(event["passages"][0]) == {"a", "b", "kind", "score"}
    assert [h["url"] for h in listing["webhooks"]] == [receiver.url] and "secret" not in listing["webhooks"][0]
    deliveries = listing["deliveries"]
    assert deliveries["delivered"] == 1 and deliveries["failed"] == 0 and deliveries["retried"] == 1
    assert [(d["status"], d["attempts"], d["copy"]) for d in deliveries["recent"]] == [("delivered", 2, "spun.txt")]
    assert json.loads((tmp_path / "ix" / "service" / "watched.json").read_text()) == ["story.txt"]


def _near_copies(n):
    """n copies of the news stories, each with a few words changed: many pairs to align, so an add takes a while."""
    base = [d["text"] for d in _texts(NEWS)]
    rng = random.Random(12)
    rows = []
    for k in range(n):
        words = rng.choice(base).split(" ")
        for _ in range(5):
            words[rng.randrange(len(words))] = f"w{rng.randrange(10 ** 6)}"
        rows.append({"id": f"crawl/{k}", "text": " ".join(words)})
    return rows


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's children from /proc")
def test_reads_run_in_reader_processes_and_a_reader_that_dies_is_replaced(tmp_path):
    server = Server(tmp_path, tmp_path / "ix", "--layers", "lexical", "--readers", "2")
    with server.client() as c:
        assert c.post("/v1/documents", json={"documents": _texts(NEWS)}).status_code == 200
        children = server.children()
        assert len(children) == 3  # two readers, one writer
        # the writer yields the CPU to the readers (Limits.writer_nice): queries first on a busy machine
        own = os.getpriority(os.PRIO_PROCESS, server.proc.pid)  # the suite may itself run under nice
        assert sorted(os.getpriority(os.PRIO_PROCESS, pid) for pid in children) == [own, own, min(own + 10, 19)]
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        query = {"texts": [{"text": _texts(NEWS, "story.txt")[0]["text"]}]}
        answers = [c.post("/v1/query", json=query) for _ in range(3)]
        assert {a.status_code for a in answers} <= {200, 503}, [a.text for a in answers]
        assert answers[-1].status_code == 200 and answers[-1].json()["pairs"]
        added = c.post("/v1/documents", json={"documents": [{"id": "again", "text": query["texts"][0]["text"]}]})
        if added.status_code != 200:  # the dead writer fails the one write it is handed; nothing of it is added
            assert added.status_code == 500 and "nothing of it was added" in added.text
            added = c.post("/v1/documents", json={"documents": [{"id": "again", "text": query["texts"][0]["text"]}]})
        assert added.status_code == 200 and added.json()["added"] == 1
        assert c.get("/v1/stats").json()["documents"] == 5
        assert len(server.children()) == 3 and not set(server.children()) & set(children)
    server.stop()


def test_a_server_killed_during_an_add_holds_the_committed_batches_and_takes_the_batch_again(tmp_path):
    server = Server(tmp_path, tmp_path / "ix", "--layers", "lexical", "--max-documents", "5000",
                    "--max-body-mb", "20")
    with server.client() as c:
        assert c.post("/v1/documents", json={"documents": _texts(NEWS)}).json()["added"] == 4
    lost = _near_copies(1500)
    answers = []

    def post():
        try:
            with server.client() as c:
                answers.append(c.post("/v1/documents", json={"documents": lost}))
        except httpx.TransportError as e:
            answers.append(e)
    poster = threading.Thread(target=post)
    poster.start()
    time.sleep(0.8)
    children = server.children()
    server.stop(signal.SIGKILL)
    poster.join(30)
    assert answers and isinstance(answers[0], httpx.TransportError)  # killed before it answered
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(children) >= 2 and not any(_alive(pid) for pid in children)  # no writer goes on with the batch
    server.start()
    with server.client() as c:
        assert c.get("/v1/stats").json()["documents"] == 4
        again = c.post("/v1/documents", json={"documents": lost})
        assert again.status_code == 200 and again.json()["added"] == 1500, again.text
        assert c.get("/v1/stats").json()["documents"] == 1504
    server.stop()
    assert not [p for p in (tmp_path / "ix").iterdir() if p.name.startswith(".tmp-")]


def test_the_readmes_serve_section_runs_on_the_newsroom_files(tmp_path):
    room = ROOT / "examples" / "newsroom"

    def records(name, **extra):
        return [{k: r[k] for k in ("id", "text", "date")} | extra
                for r in map(json.loads, (room / name).read_text().splitlines())]
    server = Server(tmp_path, tmp_path / "newsroom")
    try:
        with server.client() as c:
            assert c.post("/v1/documents", json={"documents": records("archive.jsonl", watch=True)}).json() == {
                "added": 2, "skipped": [], "pairs": 0, "events": 0}
            crawl = c.post("/v1/documents", json={"documents": records("crawl-2024-03-04.jsonl")}).json()
            assert crawl == {"added": 5, "skipped": [], "pairs": 10, "events": 4}
            ours = "agency/2024-03-04-diplomats"
            copies = c.get(f"/v1/documents/{ours}/copies").json()["pairs"]
            assert {p["b"]: (p["kind"], p["source"]) for p in copies} == {
                "web/digest.example/talks-rewritten": ("paraphrase", ours),
                "web/nachrichten.example/diplomaten": ("translation", ours),
                "web/scraper.example/diplomats-repost": ("near_duplicate", ours),
                "web/spinfarm.example/prime-diplomats": ("spun", ours)}
            assert c.delete("/v1/documents/web/spinfarm.example/prime-diplomats").status_code == 200
            assert c.get("/v1/stats").json()["documents"] == 6
    finally:
        server.stop()


def test_a_query_or_copies_asked_with_differ_mark_the_words_that_differ_as_the_report_does(news):
    spun = _texts(DISGUISED, "spun.txt")[0]
    story = _texts(NEWS, "story.txt")[0]["text"]
    with news.client(READ) as c:
        marked = c.post("/v1/query?differ=true", json={"texts": [spun, _texts(NEWS, "repost.html")[0]]}).json()
        schema = c.get("/openapi.json").json()["components"]["schemas"]
    pair = next(p for p in marked["pairs"] if p["b"] == "story.txt" and p["a"] == "spun.txt")
    assert pair["kind"] == "spun" and all("differ" in q for q in pair["passages"])
    swapped = {"a": set(), "b": set()}
    for q in pair["passages"]:
        for side, text in (("a", spun["text"]), ("b", story)):
            for s, e in q["differ"][side]:
                assert q[side][0] <= s < e <= q[side][1]
                swapped[side].add(text[s:e])
    assert {"hallway", "negotiations"} <= swapped["a"] and {"corridor", "talks"} <= swapped["b"]
    assert not {"Vienna", "grain"} & (swapped["a"] | swapped["b"])  # the words the spinner kept
    assert all("differ" not in q for p in marked["pairs"] if p["kind"] not in ("spun", "paraphrase")
               for q in p["passages"])  # only rewritten passages have words to mark
    assert "differ" in schema["PassageOut"]["properties"]  # in the OpenAPI, where clients read the answers


def _open_row(driver, b):
    """Click the listed pair whose `b` is this document; when the pair view shows it, the highlights it drew."""
    from selenium.webdriver.support.ui import WebDriverWait

    from test_report import _MARKS

    rows = {r.get_attribute("data-b"): r for r in driver.find_elements("css selector", "#copies .pair-row")}
    rows[b].click()
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "const v = document.querySelector('#pair-detail .ct-pair'); return v && v.getAttribute('data-b')") == b)
    return driver.execute_script(_MARKS)


def _assert_marks_where_reported(marks, pair, texts):
    """Each passage highlighted on both sides at its reported offsets, and the words marked as differing exactly the
    reported ones, each the document's text at its offsets."""
    assert len(marks) == 2 * len(pair["passages"])
    for m in marks:
        passage = pair["passages"][m["passage"]]
        text = texts[pair[m["side"]]]
        assert [m["start"], m["end"]] == passage[m["side"]] and m["text"] == text[m["start"]:m["end"]]
        assert [[s, e] for s, e, _ in m["differ"]] == passage.get("differ", {}).get(m["side"], [])
        assert all(word == text[s:e] for s, e, word in m["differ"])


def _search(driver, button):
    """Click a search button; wait until the page lists its answer (or says why not)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element("id", button).click()
    WebDriverWait(driver, 60).until(lambda d: d.find_elements("css selector", "#copies .pair-row") or
                                    d.find_element("id", "status").text not in ("", "Looking…"))
    return {r.get_attribute("data-b"): r.get_attribute("data-kind")
            for r in driver.find_elements("css selector", "#copies .pair-row")}


def test_the_page_finds_copies_of_a_pasted_text_and_shows_them_in_the_pair_view(news, browser, tmp_path):
    """The page at `/` in headless Chromium: a pasted spun copy of the story lists the story, its passages are
    highlighted at the reported offsets of both texts and the words the spinner swapped are marked, and a pasted
    text holding markup stays text."""
    driver = browser
    driver.get(news.url + "/")
    spun = (DISGUISED / "spun.txt").read_text(encoding="utf-8")
    story = (NEWS / "story.txt").read_text(encoding="utf-8")
    driver.find_element("id", "key").send_keys(READ)
    driver.execute_script("document.getElementById('text').value = arguments[0]", spun)
    assert _search(driver, "find")["story.txt"] == "spun"
    marks = _open_row(driver, "story.txt")
    driver.save_screenshot(str(tmp_path / "page.png"))
    with news.client(READ) as c:
        reported = c.post("/v1/query?differ=true", json={"texts": [{"id": "your text", "text": spun}]}).json()
    pair = next(p for p in reported["pairs"] if p["b"] == "story.txt")
    _assert_marks_where_reported(marks, pair, {"your text": spun, "story.txt": story})
    differing = {word for m in marks for _, _, word in m["differ"]}
    assert {"corridor", "hallway", "talks", "negotiations"} <= differing  # the spinner's swaps, both sides
    assert not {"Vienna", "grain"} & differing  # the words it kept are not marked

    hostile = "<script>window.__xss = 1</script><img src=x onerror='window.__xss = 2'> " + spun
    driver.execute_script("document.getElementById('text').value = arguments[0]", hostile)
    assert "story.txt" in _search(driver, "find")
    _open_row(driver, "story.txt")
    assert driver.execute_script("return window.__xss") is None
    assert not driver.find_elements("css selector", "#pair-detail img")
    shown = driver.execute_script("return document.getElementById('pair-detail').textContent")
    assert "__xss = 2'> Prime diplomats" in shown  # the markup before the passage, shown as text


def test_the_page_shows_the_copies_of_a_picked_indexed_document_and_its_id_stays_text(browser, tmp_path):
    """Picking an indexed document by its id lists its copies among the indexed documents (the index's pairs, as
    GET /v1/documents/{id}/copies answers them), each in the pair view with its highlights at the reported offsets
    and the swapped words of the spun copy marked; a document whose id is markup and whose text holds a script is
    picked and shown as text."""
    from test_report import HOSTILE_ID, HOSTILE_TEXT

    room = ROOT / "examples" / "newsroom"
    records = [{k: r[k] for k in ("id", "text", "date")} for name in ("archive.jsonl", "crawl-2024-03-04.jsonl")
               for r in map(json.loads, (room / name).read_text().splitlines())]
    ours = "agency/2024-03-04-diplomats"
    story = next(r["text"] for r in records if r["id"] == ours)
    hostile = {"id": HOSTILE_ID, "text": f"{HOSTILE_TEXT} Home | World\n{story}\n</script><!-- Share",
               "date": "2024-03-05"}
    texts = {r["id"]: r["text"] for r in records + [hostile]}
    server = Server(tmp_path, tmp_path / "newsroom")
    try:
        with server.client() as c:
            assert c.post("/v1/documents", json={"documents": records}).json()["added"] == len(records)
            reported = c.get(f"/v1/documents/{ours}/copies?same_story=true&differ=true").json()["pairs"]
        driver = browser
        driver.get(server.url + "/")
        driver.find_element("id", "key").send_keys(READ)
        driver.find_element("id", "doc-id").send_keys(ours)
        listed = _search(driver, "pick")
        assert listed == {p["b"]: p["kind"] for p in reported}
        assert listed["web/spinfarm.example/prime-diplomats"] == "spun"
        for pair in reported:
            _assert_marks_where_reported(_open_row(driver, pair["b"]), pair, texts)
        marks = _open_row(driver, "web/spinfarm.example/prime-diplomats")
        driver.save_screenshot(str(tmp_path / "page-picked.png"))  # (docs/serve-page.png)
        differing = {side: {w for m in marks if m["side"] == side for _, _, w in m["differ"]} for side in "ab"}
        assert {"corridor", "talks"} <= differing["a"] and {"hallway", "negotiations"} <= differing["b"]
        assert not {"Vienna", "grain"} & (differing["a"] | differing["b"])

        with server.client() as c:
            assert c.post("/v1/documents", json={"documents": [hostile]}).json()["added"] == 1
        driver.find_element("id", "doc-id").clear()
        driver.find_element("id", "doc-id").send_keys(HOSTILE_ID)
        assert _search(driver, "pick")[ours] == "near_duplicate"
        _open_row(driver, ours)
        driver.save_screenshot(str(tmp_path / "page-hostile.png"))
        detail = driver.execute_script("return document.getElementById('pair-detail').textContent")
        assert HOSTILE_ID in detail and HOSTILE_TEXT in detail
        assert driver.execute_script("return window.__xss") is None
        assert not driver.find_elements("css selector", "img")
        driver.find_element("id", "doc-id").clear()
        driver.find_element("id", "doc-id").send_keys(ours)
        assert _search(driver, "pick")[HOSTILE_ID] == "near_duplicate"
        assert HOSTILE_ID in driver.execute_script(  # listed under its id, as text
            "return Array.from(document.querySelectorAll('#copies .ct-id')).map(e => e.textContent.trim())")
        assert driver.execute_script("return window.__xss") is None and not driver.find_elements("css selector", "img")

        driver.find_element("id", "doc-id").clear()
        driver.find_element("id", "doc-id").send_keys("no/such-story")
        assert _search(driver, "pick") == {}
        status = driver.find_element("id", "status")
        assert "404" in status.text and "no/such-story" in status.text and status.get_attribute("class") == "error"
    finally:
        server.stop()
