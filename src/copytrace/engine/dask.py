"""The Dask engine: a stage's tasks on a Dask cluster (dask.distributed), a running scheduler's or a local one. Tasks
carry their texts, since workers may be on other machines; the stage's context is scattered to every worker once."""
from __future__ import annotations

import os


class DaskCluster:
    """Tasks on a Dask cluster: `address` of a running scheduler, or None for a local cluster of this machine."""

    shares_files = False  # workers may be on other machines: tasks carry their texts

    def __init__(self, address: str | None, workers: int, tasks_per_worker: int) -> None:
        from distributed import Client, LocalCluster

        self.tasks_per_worker = tasks_per_worker

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

        # a key of its own (hash=False): two stages in a row with equal contexts would share one hashed key, and the
        # first stage's release of it could drop the data the second one is about to read
        shared = self.client.scatter(context, broadcast=True, hash=False)
        window = self.tasks_per_worker * max(len(self.client.scheduler_info()["workers"]), 1)
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
