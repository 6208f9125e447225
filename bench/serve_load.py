"""The service under load: many clients querying while another adds, on loopback, bounded in time and count.

    python bench/serve_load.py --index INDEX [--clients 100] [--seconds 60] [--max-queries 20000]
                               [--batches 20] [--batch-size 20] [--writer-nice N] [--out result.json]

INDEX is copied to a temporary folder first (the run adds to it), e.g. one bench/index_query.py kept (`--keep DIR`
leaves DIR/index-N-LAYERS). `copytrace serve` runs in its own process on a free loopback port. Then, at once:
- --clients clients, each a loop of POST /v1/query with one real news article (NewsArticles.csv) until --seconds
  pass or --max-queries queries are answered in all; every answer's status and time is kept;
- one writer client POSTs --batches batches of --batch-size documents to /v1/documents: in each batch some are
  watched stories (`watch: true`, real articles not used as queries), and the next batch holds a repost of each
  (the story with a line of site furniture around it and one word changed), which must raise one webhook event
  per (watched, repost);
- a webhook receiver (its own HTTP server on loopback) checks each event's signature and counts events.
Afterwards: every added id is fetched back (GET /v1/documents/{id}); the events received are compared with the
reposts sent (each exactly once). Reported: query p50/p95/p99 and errors, add latencies, missing ids, events
expected / received / duplicated / badly signed.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

READ, WRITE, SECRET = "load-read-key-0123456789", "load-write-key-0123456789", "load-webhook-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A webhook receiver on loopback: checks signatures, counts (watched, copy) events."""

    def __init__(self) -> None:
        self.events: Counter = Counter()
        self.bad = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers.get("X-Copytrace-Signature", ""), expected):
                    receiver.bad += 1
                else:
                    event = json.loads(body)
                    receiver.events[(event["watched"], event["copy"])] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _articles() -> list[str]:
    import speed

    return [a["text"] for a in speed.load_news() if len(a["text"].split()) >= 120]


def _repost(text: str) -> str:
    words = text.split(" ")
    words[len(words) // 2] = "moreover"
    return "Share this article on Facebook and Twitter\n\n" + " ".join(words) + "\n\nAdvertisement\n"


class Connection:
    """One client's keep-alive HTTP/1.1 connection, on asyncio's streams: the load's clients share this machine's
    cores with the server, so each costs little more than its socket (httpx's pool cost more CPU than the queries it
    timed)."""

    def __init__(self, url: str) -> None:
        self.host, _, port = url.removeprefix("http://").partition(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict, key: str) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode()
        for attempt in (0, 1):  # a keep-alive connection the server closed is opened again once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(head + data)
                await self.writer.drain()
                return await self._answer()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _answer(self) -> tuple[int, bytes]:
        status = int((await self.reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        headers = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += (await self.reader.readexactly(size + 2))[:-2]
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _run(url: str, clients: int, seconds: float, max_queries: int, batches: int, batch_size: int,
               queries: list[str], stories: list[str]) -> dict:
    import httpx

    results: list[tuple[int, float]] = []
    adds: list[tuple[int, float]] = []
    added: list[str] = []
    expected: set[tuple[str, str]] = set()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=180, limits=limits) as http:
        async def client(k: int) -> None:
            n, connection = 0, Connection(url)
            while time.monotonic() < deadline and len(results) < max_queries:
                text = queries[(k * 7919 + n) % len(queries)]
                start = time.perf_counter()
                try:
                    status, _ = await connection.post("/v1/query", {"texts": [{"text": text}]}, READ)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status = -1
                results.append((status, time.perf_counter() - start))
                n += 1
            connection.close()

        async def writer() -> None:
            watched_before: list[tuple[str, str]] = []
            connection = Connection(url)
            per_batch = max(1, batch_size // 4)
            for b in range(batches):
                docs, watched_now = [], []
                for k, (doc_id, text) in enumerate(watched_before):  # the reposts of last batch's watched stories
                    docs.append({"id": f"repost-{b}-{k}", "text": _repost(text), "date": "2026-11-29"})
                    expected.add((doc_id, f"repost-{b}-{k}"))
                for k in range(per_batch):
                    text = stories[(b * per_batch + k) % len(stories)]
                    doc_id = f"story-{b}-{k}"
                    docs.append({"id": doc_id, "text": text, "date": "2026-11-28", "watch": True})
                    watched_now.append((doc_id, text))
                while len(docs) < batch_size:
                    docs.append({"id": f"other-{b}-{len(docs)}", "text": stories[-1 - (b * batch_size + len(docs))
                                                                               % (len(stories) // 2)]})
                start = time.perf_counter()
                status, _ = await connection.post("/v1/documents", {"documents": docs}, WRITE)
                adds.append((status, time.perf_counter() - start))
                if status == 200:
                    added.extend(d["id"] for d in docs)
                watched_before = watched_now
            connection.close()

        await asyncio.gather(writer(), *(client(k) for k in range(clients)))
        missing = []
        for doc_id in added:
            r = await http.get(f"/v1/documents/{doc_id}", headers={"Authorization": f"Bearer {READ}"})
            if r.status_code != 200:
                missing.append(doc_id)
    ok = [t for s, t in results if s == 200]
    return {"queries": common.latency_percentiles(ok), "query_statuses": dict(Counter(s for s, _ in results)),
            "adds": common.latency_percentiles([t for s, t in adds if s == 200]), "add_statuses": dict(Counter(s for s, _ in adds)),
            "added_ids": len(added), "missing_ids": missing, "expected_events": sorted(expected)}


def run(index: Path, clients: int, seconds: float, max_queries: int, batches: int, batch_size: int,
        serve_options: tuple[str, ...] = ()) -> dict:
    if not (index / "manifest.json").exists():
        return common.skipped(f"no index at {index} (make one with bench/index_query.py --keep DIR)")
    try:
        articles = _articles()
    except FileNotFoundError as e:
        return common.skipped(f"benchmark data missing: {e}")
    queries, stories = articles[: len(articles) // 2], articles[len(articles) // 2:]
    work = Path(tempfile.mkdtemp(prefix="ct-serve-load-"))
    receiver = Receiver()
    server = None
    try:
        served = work / "index"
        shutil.copytree(index, served)
        keys = work / "keys"
        keys.write_text(f"{READ} read\n{WRITE} write\n", encoding="utf-8")
        port = _free_port()
        log = open(work / "server.log", "wb")
        server = subprocess.Popen(common.copytrace_cli() + ["serve", str(served), "--keys", str(keys),
                                                            "--port", str(port), *serve_options], stdout=log, stderr=log)
        import httpx

        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        r = httpx.post(url + "/v1/webhooks", json={"url": receiver.url, "secret": SECRET},
                       headers={"Authorization": f"Bearer {WRITE}"})
        r.raise_for_status()
        stats = httpx.get(url + "/v1/stats", headers={"Authorization": f"Bearer {READ}"}).json()
        t0 = time.perf_counter()
        result = asyncio.run(_run(url, clients, seconds, max_queries, batches, batch_size, queries, stories))
        result["wall_s"] = round(time.perf_counter() - t0, 1)
        time.sleep(5)  # the last deliveries
        expected = {tuple(e) for e in result.pop("expected_events")}
        received = receiver.events
        result["events"] = {"expected": len(expected), "received": sum(received.values()),
                            "delivered_once": sum(1 for e in expected if received[e] == 1),
                            "duplicated": sum(1 for e in received if received[e] > 1),
                            "unexpected": sum(1 for e in received if e not in expected), "bad_signature": receiver.bad}
        result.update(index_documents=stats.get("index", stats).get("documents"), clients=clients,
                      commit=common.git_commit(), machine=common.machine())
        log_text = (work / "server.log").read_text(encoding="utf-8", errors="replace")
        result["server_errors"] = [line for line in log_text.splitlines() if "Error" in line or "Traceback" in line][-30:]
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(60)
        receiver.close()
        if (work / "server.log").exists():  # kept for reading after the run
            shutil.copy(work / "server.log", Path(tempfile.gettempdir()) / "copytrace-serve-load-server.log")
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-queries", type=int, default=20000)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=20)
    ap.add_argument("--writer-nice", type=int, help="copytrace serve --writer-nice (default: serve's own)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    options = () if args.writer_nice is None else ("--writer-nice", str(args.writer_nice))
    result = run(args.index, args.clients, args.seconds, args.max_queries, args.batches, args.batch_size, options)
    result["serve_options"] = list(options)
    common.report(result, args.out)


if __name__ == "__main__":
    main()
