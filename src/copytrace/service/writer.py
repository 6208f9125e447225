"""The one writer: a background thread that runs the service's writes (adds, removes) one at a time, in the order
they came, from a bounded queue. A request waits on its write's future: it is answered once the commit is done.

An index has one writer at a time anyway (its lock file); running every write on one thread keeps requests from
queueing on that lock inside the server's worker threads, makes a full queue a clear "busy" (503), and lets a write
that has not started be taken back when its request gives up (nothing of it is ever added)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class WriterBusy(Exception):
    """The queue of writes is full: the client should retry later."""


class Writer:
    def __init__(self, max_queued: int) -> None:
        self._queue: queue.Queue[tuple[Future, Callable[[], Any]] | None] = queue.Queue(max_queued)
        self._thread = threading.Thread(target=self._run, name="copytrace-writer", daemon=True)
        self._thread.start()

    def submit(self, write: Callable[[], Any]) -> Future:
        """Queue a write; its future holds its result or its exception. Cancelling the future before the write
        starts keeps it from running."""
        future: Future = Future()
        try:
            self._queue.put_nowait((future, write))
        except queue.Full:
            raise WriterBusy from None
        return future

    def queued(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, write = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(write())
            except BaseException as e:  # the write failed as a whole: its future says why
                future.set_exception(e)

    def close(self, timeout: float | None = None) -> None:
        """Finish the queued writes, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)
