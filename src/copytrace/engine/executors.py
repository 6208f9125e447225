"""Executors run a stage's tasks somewhere: in this process, in a pool of forked processes, or on a Dask cluster.

A task is a pure function `fn(task, context)`: everything it needs travels in the task (texts included) or in the
context, which is sent once per stage (fork: inherited; Dask: scattered to every worker). Results come back in any
order; every result says which documents it is about.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from copytrace.engine.memory import release_freed_memory

#: tasks in flight per worker: enough to keep every worker busy, few enough that memory stays bounded by batches.
TASKS_PER_WORKER = 2


class Executor(Protocol):
    #: whether the tasks run on this machine, where they can open the scan's temporary files themselves
    shares_files: bool

    def map(self, fn: Callable[[Any, Any], Any], tasks: Iterable[Any], context: Any) -> Iterator[Any]: ...

    def close(self) -> None: ...


class InProcess:
    shares_files = True

    def map(self, fn, tasks, context):
        for task in tasks:
            yield fn(task, context)

    def close(self) -> None:
        pass


_CONTEXT: dict[str, Any] = {}


def _call_with_context(args):
    fn, task = args
    return fn(task, _CONTEXT["context"])


class ForkPool:
    """One pool per stage, forked after the stage's context is set, so workers inherit it without pickling. At most
    TASKS_PER_WORKER tasks per worker are in flight, so memory stays bounded by batches, not by the corpus."""

    shares_files = True

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn, tasks, context):
        from collections import deque

        _CONTEXT["context"] = context
        release_freed_memory()  # workers fork from a heap without the last stage's freed pages
        try:
            with mp.get_context("fork").Pool(self.workers) as pool:
                pending: deque = deque()
                for task in tasks:
                    pending.append(pool.apply_async(_call_with_context, ((fn, task),)))
                    while len(pending) >= TASKS_PER_WORKER * self.workers:
                        yield pending.popleft().get()
                while pending:
                    yield pending.popleft().get()
        finally:
            _CONTEXT.clear()

    def close(self) -> None:
        pass


class DaskCluster:
    """Tasks on a Dask cluster: `address` of a running scheduler, or None for a local cluster of this machine."""

    shares_files = False  # workers may be on other machines: tasks carry their texts

    def __init__(self, address: str | None = None, workers: int = 0) -> None:
        from distributed import Client, LocalCluster

        if address:
            self.client, self._cluster = Client(address), None
        else:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                dashboard_address=None,
            )
            self.client = Client(self._cluster)

    def map(self, fn, tasks, context):
        from distributed import as_completed

        shared = self.client.scatter(context, broadcast=True)
        window = TASKS_PER_WORKER * max(len(self.client.scheduler_info()["workers"]), 1)
        pending = as_completed()
        tasks = iter(tasks)
        for task in tasks:
            pending.add(self.client.submit(fn, task, shared, pure=False))
            if pending.count() >= window:
                break
        for future in pending:
            yield future.result()
            future.release()
            nxt = next(tasks, None)
            if nxt is not None:
                pending.add(self.client.submit(fn, nxt, shared, pure=False))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(engine: str, workers: int, n_docs: int, small: int, address: str | None = None) -> Executor:
    """'dask' runs on a cluster; 'local' forks one process per core unless the corpus is too small to pay for it."""
    if engine == "dask":
        return DaskCluster(address, workers)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and n_docs >= small and "fork" in mp.get_all_start_methods():
        return ForkPool(workers)
    return InProcess()
