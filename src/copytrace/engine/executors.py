"""Executors run a stage's tasks somewhere: in this process, in a pool of forked processes, or on a Dask cluster
(engine.dask).

A task is a pure function `fn(task, context)`: everything it needs travels in the task (texts included) or in the
context, which is sent once per stage (fork: inherited; Dask: scattered to every worker). Results come back in any
order; every result says which documents it is about.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from copytrace.config import EngineConfig
from copytrace.engine.memory import release_freed_memory


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
    tasks_per_worker tasks per worker are in flight, so memory stays bounded by batches, not by the corpus."""

    shares_files = True

    def __init__(self, workers: int, tasks_per_worker: int) -> None:
        self.workers, self.tasks_per_worker = workers, tasks_per_worker

    def map(self, fn, tasks, context):
        from collections import deque

        _CONTEXT["context"] = context
        release_freed_memory()  # workers fork from a heap without the last stage's freed pages
        try:
            with mp.get_context("fork").Pool(self.workers) as pool:
                pending: deque = deque()
                for task in tasks:
                    pending.append(pool.apply_async(_call_with_context, ((fn, task),)))
                    while len(pending) >= self.tasks_per_worker * self.workers:
                        yield pending.popleft().get()
                while pending:
                    yield pending.popleft().get()
        finally:
            _CONTEXT.clear()

    def close(self) -> None:
        pass


def make_executor(
    engine: str, workers: int, n_docs: int, sizes: EngineConfig, address: str | None = None
) -> Executor:
    """'dask' runs on a cluster; 'local' forks one process per core unless the corpus is too small to pay for it
    (sizes.pool_min_docs)."""
    if engine == "dask":
        from copytrace.engine.dask import DaskCluster

        return DaskCluster(address, workers, sizes.tasks_per_worker)
    workers = workers or os.cpu_count() or 1
    if workers > 1 and n_docs >= sizes.pool_min_docs and "fork" in mp.get_all_start_methods():
        return ForkPool(workers, sizes.tasks_per_worker)
    return InProcess()
