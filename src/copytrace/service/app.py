"""The service's HTTP app (FastAPI): the index's add, query, copies, remove and stats, webhooks, and the limits that
keep one server standing under load.

    POST   /v1/documents              {"documents": [{"id", "text", "date"?, "watch"?}]}   write key
    POST   /v1/query                  {"texts": [{"id"?, "text"}]} -> {"pairs": [pairs.jsonl lines]}   read key
    GET    /v1/documents/{id}         an indexed document: text, date, path                   read key
    GET    /v1/documents/{id}/copies  the copies of an indexed document (pairs.jsonl lines, `a` the document)
    DELETE /v1/documents/{id}         removed for good, with its pairs                        write key
    GET    /v1/stats                  {"documents", ...}                                      read key
    POST   /v1/webhooks               {"url", "secret"}                                       write key
    GET    /v1/webhooks               registrations and deliveries                            read key

Writes go through one writer thread (writer.py) to the writer process; reads run in a pool of reader processes, each
on the index snapshot it opens (processes.py). Every error answer is JSON; a malformed body is 422 naming each bad field (`documents[3].text`).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from copytrace.config import ScanConfig
from copytrace.document import Document, Kind
from copytrace.index import Index
from copytrace.segments import MANIFEST, Manifest
from copytrace.service import processes
from copytrace.service.auth import Keys, allows
from copytrace.service.processes import Processes
from copytrace.service.state import FOLDER, WatchList
from copytrace.service.webhooks import Webhooks, copy_events
from copytrace.service.writer import Writer, WriterBusy
from copytrace.write.report import asset

log = logging.getLogger("copytrace.service")

#: where the service notes the scope of the key a request came with, for the request log (never the key)
SCOPE_KEY = "copytrace.key_scope"


@dataclass(frozen=True)
class Limits:
    """What one request may ask, and how much the server takes on at once. Over a limit is an answer, never a
    crash: 413 (body), 422 (too many documents or texts), 503 (busy, or over time: retry later)."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_documents: int = 1000  # per POST /v1/documents
    max_texts: int = 100  # per POST /v1/query
    request_seconds: float = 120.0  # a read over it is 503; a write not started by then is taken back (503)
    queued_writes: int = 16  # writes waiting for the writer; one more is 503
    readers: int = max(1, min(8, os.cpu_count() or 1))  # reader processes (queries, copies, documents, stats)
    concurrent_reads: int | None = None  # reads handed to the readers at once (default 2 each); more wait
    #: how much lower the writer process's scheduling priority is than the readers' (added to its nice value): on
    #: a machine the queries keep busy, queries come first and adds take what CPU is left (a query's time is a
    #: client waiting; an add's is a batch). bench/serve_load.py, 100 clients, 100k documents: p99 737 -> 571 ms
    writer_nice: int = 10


# ---- request bodies ---------------------------------------------------------------------------------------------

class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, description="the document's id in the index")
    text: str = Field(min_length=1)
    date: str | None = Field(None, description="publication date (ISO 8601): names the original of a pair")
    watch: bool = Field(False, description="the client's own story: copies found later are webhook events")


class AddBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn]


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, min_length=1, description="the text's id in the answer (default query-N)")
    text: str = Field(min_length=1)


class QueryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[TextIn]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(pattern=r"^https?://", description="where copy_found events are POSTed")
    secret: str = Field(min_length=1, description="the key of each event's HMAC-SHA256 signature")


# ---- answers (the pairs.jsonl schema; `differ` only when asked for) ------------------------------------------------

class DifferOut(BaseModel):
    a: list[tuple[int, int]] = Field(description="spans [start, end) in document a (character offsets)")
    b: list[tuple[int, int]] = Field(description="spans [start, end) in document b")


class PassageOut(BaseModel):
    a: tuple[int, int] = Field(description="[start, end) in document a (character offsets)")
    b: tuple[int, int] = Field(description="[start, end) in document b")
    kind: Kind
    score: float
    differ: DifferOut | None = Field(None, description="with ?differ=true, in a spun or paraphrased pair: the words "
                                     "of the passage that differ between the two documents (what the page marks)")


class PairOut(BaseModel):
    a: str
    b: str
    kind: Kind
    score: float
    coverage_a: float
    coverage_b: float
    source: str | None = Field(description="the likely original: a, b, or null when unclear")
    passages: list[PassageOut]


class SkipOut(BaseModel):
    id: str
    reason: str


class QueryOut(BaseModel):
    pairs: list[PairOut] = Field(description="`a` the text, `b` the indexed document")
    skipped: list[SkipOut]


class CopiesOut(BaseModel):
    id: str
    pairs: list[PairOut] = Field(description="`a` the document, `b` its copy")


DIFFER_HELP = "also mark the words that differ in spun and paraphrased pairs (each passage's `differ`)"


# ---- errors -----------------------------------------------------------------------------------------------------

class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit} bytes")


def field_name(loc: tuple | list) -> str:
    """("body", "documents", 3, "text") -> "documents[3].text"."""
    name = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def invalid(field: str, message: str) -> HTTPException:
    return HTTPException(422, [{"field": field, "message": message}])


# ---- middleware (plain ASGI: they see every request, errors included) ---------------------------------------------

class BodyLimit:
    """A body over the limit is 413: at once when Content-Length says so, else as soon as the bytes read pass it
    (a chunked body is never read whole first)."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _send_json(send, 413, {"detail": f"request body over the limit of {self.max_bytes} bytes"})
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited, send)


class RequestLog:
    """One JSON line per request: method, path, status, ms, and the scope of the key it came with (never the key)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def noting(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            log.info(json.dumps({"method": scope["method"], "path": scope["path"], "status": status,
                                 "ms": round((time.perf_counter() - start) * 1000, 1),
                                 "key_scope": scope.get(SCOPE_KEY)}))


async def _send_json(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


# ---- the app ----------------------------------------------------------------------------------------------------

def _page() -> str:
    """The page at `/`: paste a text, see its copies in the report's pair view (write/report/pairview.*), whose
    scripts and styles are put in whole: the page needs nothing from the network."""
    from importlib.resources import files

    page = (files("copytrace.service") / "page.html").read_text(encoding="utf-8")
    return page.replace("/*PAIRVIEW_CSS*/", asset("pairview.css")).replace("/*PAIRVIEW_JS*/", asset("pairview.js"))


_PAGE = _page()


def create_app(
    index_path: str | Path, keys: Keys, limits: Limits = Limits(), config: ScanConfig | None = None,
    webhook_attempts: int = 5, webhook_backoff: float = 1.0,
) -> FastAPI:
    """The app over the index at index_path (made if it does not exist; NotAnIndex if the folder is something
    else). `config` is the index's scan configuration (default: no progress bars, one process)."""
    index = Index(index_path, config or ScanConfig(progress=False, workers=1))
    if not (index.path / MANIFEST).exists():
        index.add([])  # makes the index, so that its folder can hold the service's files
    Manifest.read(index.path)
    (index.path / FOLDER).mkdir(exist_ok=True)
    watched = WatchList(index.path)
    webhooks = Webhooks(index.path, webhook_attempts, webhook_backoff)
    config = index.config
    readers = Processes(limits.readers, index.path, config, "reader")
    writes = Processes(1, index.path, config, "writer", nice=limits.writer_nice)
    writer = Writer(limits.queued_writes)
    read_slots: list[asyncio.Semaphore] = []  # made on the server's event loop

    async def lifespan(app: FastAPI):
        read_slots.append(asyncio.Semaphore(limits.concurrent_reads or 2 * limits.readers))
        yield
        writer.close(timeout=limits.request_seconds)
        webhooks.close()
        readers.close()
        writes.close()

    def scoped(needed: str) -> Callable:
        """Marks an endpoint as needing a key of that scope: AuthRoute checks it before the body is read."""
        def mark(endpoint):
            endpoint.needed_scope = needed
            return endpoint
        return mark

    class AuthRoute(APIRoute):
        def get_route_handler(self):
            handler = super().get_route_handler()
            needed = getattr(self.endpoint, "needed_scope", None)
            if needed is None:
                return handler

            async def checked(request: Request):
                header = request.headers.get("authorization", "")
                scheme, _, key = header.partition(" ")
                scope = keys.scope_of(key.strip()) if scheme.lower() == "bearer" and key.strip() else None
                request.scope[SCOPE_KEY] = scope
                if scope is None:
                    raise HTTPException(401, "a valid API key is needed: Authorization: Bearer KEY",
                                        headers={"WWW-Authenticate": "Bearer"})
                if not allows(scope, needed):
                    raise HTTPException(403, f"this key's scope is {scope}; this request needs {needed}")
                return await handler(request)
            return checked

    app = FastAPI(title="copytrace", version=_version(), lifespan=lifespan, description=__doc__.split("\n\n")[0],
                  dependencies=[Depends(HTTPBearer(auto_error=False))])
    app.router.route_class = AuthRoute

    @app.exception_handler(RequestValidationError)
    async def _invalid_body(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": [{"field": field_name(e["loc"]), "message": e["msg"]} for e in exc.errors()]},
                            status_code=422)

    @app.exception_handler(Exception)
    async def _failed(request: Request, exc: Exception):
        log.exception("request failed")
        return JSONResponse({"detail": f"internal error: {exc.__class__.__name__}"}, status_code=500)

    async def read(call: Callable[..., Any], *args: Any) -> Any:
        """A read in a reader process, at most concurrent_reads at once (the rest wait, within the time limit)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limits.request_seconds
        slots = read_slots[0]
        try:
            await asyncio.wait_for(slots.acquire(), limits.request_seconds)
        except asyncio.TimeoutError:
            raise HTTPException(503, "the server is busy: retry later", headers={"Retry-After": "5"}) from None
        try:
            future = asyncio.wrap_future(readers.submit(call, *args))
        except BaseException:
            slots.release()
            raise
        future.add_done_callback(lambda _: slots.release())  # the slot is held until the work is really done
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise HTTPException(503, f"over the time limit of {limits.request_seconds:g} s") from None
        except BrokenProcessPool:
            raise HTTPException(503, "a reader process died while it held this request: retry",
                                headers={"Retry-After": "1"}) from None

    async def write(call: Callable[[], Any]) -> Any:
        """A write through the writer; if it has not started within the time limit it is taken back (503)."""
        try:
            future = writer.submit(call)
        except WriterBusy:
            raise HTTPException(503, "too many writes queued: retry later", headers={"Retry-After": "5"}) from None
        waiting = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), limits.request_seconds)
        except asyncio.TimeoutError:
            if future.cancel():
                raise HTTPException(503, "the writer did not reach this batch in time: nothing was added; retry "
                                         "later") from None
            return await waiting  # under way: a commit is whole, so wait for it

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> str:
        return _PAGE

    @app.post("/v1/documents", summary="Add a batch of documents (committed whole or not at all)")
    @scoped("write")
    async def add_documents(body: AddBody, replace: bool = False) -> dict:
        if len(body.documents) > limits.max_documents:
            raise invalid("documents", f"at most {limits.max_documents} documents per request")
        first: dict[str, int] = {}
        for k, d in enumerate(body.documents):
            if first.setdefault(d.id, k) != k:
                raise invalid(f"documents[{k}].id", f"repeats documents[{first[d.id]}].id")
        documents = [Document(d.id, d.text, date=d.date) for d in body.documents]
        watch = {d.id for d in body.documents if d.watch}

        def add() -> dict:
            # watched before the commit: a server killed after it still knows the batch's own stories (an id
            # watched for a batch that never commits is harmless: a client's retry watches it again)
            fresh = {i for i in watch if i not in watched}
            watched.update(add=fresh)
            try:
                added, skipped, pairs, found_pairs = writes.run(processes.add, documents, replace)
            except BaseException:
                watched.update(remove=fresh)
                raise
            watched.update(remove={s["id"] for s in skipped} & fresh)
            events = copy_events(found_pairs, watched)
            webhooks.send(events)
            return {"added": added, "skipped": skipped, "pairs": pairs, "events": len(events)}

        try:
            return await write(add)
        except HTTPException:
            raise
        except Exception as e:
            log.exception("add failed")
            raise HTTPException(500, f"the batch failed and nothing of it was added ({e.__class__.__name__})") from e

    @app.post("/v1/query", summary="Find copies of texts among the indexed documents, adding nothing",
              response_model=QueryOut, response_model_exclude_unset=True)
    @scoped("read")
    async def query(body: QueryBody, differ: bool = Query(False, description=DIFFER_HELP)) -> dict:
        if len(body.texts) > limits.max_texts:
            raise invalid("texts", f"at most {limits.max_texts} texts per request")
        texts = [(t.id or f"query-{k + 1}", t.text) for k, t in enumerate(body.texts)]
        rows, skips = await read(processes.query, texts, differ)
        return _json({"pairs": rows, "skipped": skips})

    @app.get("/v1/documents/{doc_id:path}/copies", summary="The copies of an indexed document",
             response_model=CopiesOut, response_model_exclude_unset=True)
    @scoped("read")
    async def copies_of(doc_id: str, same_story: bool = False,
                        differ: bool = Query(False, description=DIFFER_HELP)) -> dict:
        rows = await read(processes.copies, doc_id, same_story, differ)
        if rows is None:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return _json({"id": doc_id, "pairs": rows})

    @app.get("/v1/documents/{doc_id:path}", summary="An indexed document: its text, date and path")
    @scoped("read")
    async def document(doc_id: str) -> dict:
        found = await read(processes.document, doc_id)
        if found is None:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return found

    @app.delete("/v1/documents/{doc_id:path}", summary="Remove a document for good, with its pairs")
    @scoped("write")
    async def remove(doc_id: str) -> dict:
        def remove_one() -> list[str]:
            unknown = writes.run(processes.remove, [doc_id])
            watched.update(remove={doc_id})
            return unknown
        if await write(remove_one):
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return {"removed": doc_id}

    @app.get("/v1/stats", summary="The index's size, and the service's queues")
    @scoped("read")
    async def stats() -> dict:
        out = await read(processes.stats)
        out.update({"watched": len(watched), "queued_writes": writer.queued(),
                    "webhooks": len(webhooks.registrations())})
        return out

    @app.post("/v1/webhooks", status_code=201, summary="Register a webhook for copies of watched documents")
    @scoped("write")
    async def register(body: WebhookIn) -> dict:
        return webhooks.register(body.url, body.secret)

    @app.get("/v1/webhooks", summary="Registered webhooks, and their deliveries and failures")
    @scoped("read")
    async def list_webhooks() -> dict:
        return {"webhooks": webhooks.registrations(), "deliveries": webhooks.deliveries()}

    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(RequestLog)
    return app


def _json(content: dict) -> Response:
    """An answer made in a reader, already the response model's shape: sent as it is (orjson), not validated again."""
    return Response(orjson.dumps(content), media_type="application/json")


def _version() -> str:
    from copytrace import __version__
    return __version__
