"""The service's processes. Reads (queries, copies, documents, stats) run in a pool of reader processes, each with
the index open on its own snapshots; writes (adds, removes) run in one writer process. The server's own process
speaks HTTP, keeps the watch list and sends webhooks: its event loop never waits behind the GIL of a long add or a
busy query, and reads use every core.

Children are spawned, not forked (the server has threads), and die with the server (PR_SET_PDEATHSIG on Linux): a
killed server leaves no writer finishing an add behind its back, so a batch a client was not answered for is not
committed later (the client retries it). A child that dies (a crash, the kernel's OOM killer) fails only the requests
it held: the next request starts a new pool.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from copytrace.config import ScanConfig
from copytrace.document import Document, Pair
from copytrace.index import Index
from copytrace.write.report import REWORDED, pair_row

_PR_SET_PDEATHSIG = 1

#: the index this process serves, opened once when the process starts
_INDEX: Index | None = None


class ChildDied(Exception):
    """A reader or the writer process died while it held this request: nothing of a write was committed unless its
    commit was already done (a commit is whole)."""


class Processes:
    """A pool of `count` processes, each with the index at `path` open; `submit` runs one of this module's calls
    there. A broken pool (a child died) is replaced by a new one at the next submit."""

    def __init__(self, count: int, path: Path, config: ScanConfig, name: str, nice: int = 0) -> None:
        self.count, self.path, self.config, self.name, self.nice = count, path, config, name, nice
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.count, mp_context=get_context("spawn"), initializer=_open,
                                   initargs=(str(self.path), self.config, os.getpid(), self.nice))
        # every child started now, from this thread, and its index opened before the server answers: the pool
        # spawns a child per submit while none is idle
        for ready in [pool.submit(_ready) for _ in range(self.count)]:
            ready.result()
        return pool

    def submit(self, call: Callable[..., Any], *args: Any) -> Future:
        with self._lock:
            try:
                return self._pool.submit(call, *args)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()
                return self._pool.submit(call, *args)

    def run(self, call: Callable[..., Any], *args: Any) -> Any:
        """Submit and wait (the writer thread's way); a dead child is ChildDied."""
        try:
            return self.submit(call, *args).result()
        except BrokenProcessPool as e:
            raise ChildDied(f"the {self.name} process died") from e

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# ---- in the children --------------------------------------------------------------------------------------------

def _open(path: str, config: ScanConfig, parent: int, nice: int) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the server died before the line above
        os._exit(1)
    if nice:
        os.nice(nice)
    global _INDEX
    _INDEX = Index(path, config)


def _ready() -> int:
    _INDEX.stats()
    return os.getpid()


def query(texts: list[tuple[str, str]], differ: bool) -> tuple[list[dict], list[dict]]:
    """Copies of (id, text) pairs among the indexed documents, as pairs.jsonl rows, and the texts skipped."""
    documents = [Document(doc_id, text) for doc_id, text in texts]
    pairs, skips = _INDEX.query(documents)
    own: dict[str, str] = {}
    for d in documents:
        own.setdefault(d.id, d.text)
    return _rows(_INDEX, pairs, differ, own), [{"id": s.id, "reason": s.reason} for s in skips]


def copies(doc_id: str, same_story: bool, differ: bool) -> list[dict] | None:
    """The pairs of an indexed document seen from it (its copies; same-story pairs too if asked), None if the index
    holds no such document."""
    found = _INDEX.copies(doc_id)
    if found is None:
        return None
    found.sort(key=lambda p: (-p.score, p.b))
    return _rows(_INDEX, [p for p in found if same_story or p.kind.is_copy], differ)


def document(doc_id: str) -> dict | None:
    found = _INDEX.document(doc_id)
    return None if found is None else {"id": found.id, "text": found.text, "date": found.date, "path": found.path}


def stats() -> dict:
    return _INDEX.stats()


def add(documents: list[Document], replace_ids: bool) -> tuple[int, list[dict], int, list[Pair]]:
    """Add a batch: (added, skipped, pairs found, the related pairs involving a new document)."""
    done = _INDEX.add(documents, replace_ids=replace_ids)
    return (done.added, [{"id": s.id, "reason": s.reason} for s in done.skipped], done.pairs, done.found_pairs)


def remove(ids: list[str]) -> list[str]:
    return _INDEX.remove(ids)


def _rows(index: Index, pairs: list[Pair], differ: bool, query_texts: dict[str, str] | None = None) -> list[dict]:
    """The pairs as pairs.jsonl rows; with `differ`, made by the report's pair_row, so that the page marks the words
    that differ exactly as the report does. The texts: `a`'s from the query where it is one, the rest from the
    index (read only for the spun and paraphrased pairs, the only ones marked)."""
    if not differ:
        return [p.to_json() for p in pairs]
    query_texts = query_texts or {}
    reworded = [p for p in pairs if p.kind in REWORDED]
    wanted = {p.b for p in reworded} | {p.a for p in reworded if p.a not in query_texts}
    indexed = {d.id: d.text for d in index.documents(wanted)} if wanted else {}
    return [pair_row(p, query_texts[p.a] if p.a in query_texts else indexed.get(p.a), indexed.get(p.b))
            for p in pairs]
