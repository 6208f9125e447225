"""What the service keeps beside the index, in INDEX/service/: the watch list and the webhooks. Each file is
replaced whole (write, fsync, rename), so a killed server leaves the old file or the new one."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from copytrace.write.atomic import atomic_path

FOLDER = "service"


def read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def write_json(path: Path, value, mode: int = 0o644) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WatchList:
    """Ids of documents that are a client's own stories: a copy of one found by a later add is an event."""

    def __init__(self, index: Path) -> None:
        self.path = index / FOLDER / "watched.json"
        self._ids = set(read_json(self.path, []))
        self._lock = threading.Lock()

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def update(self, add: set[str] = frozenset(), remove: set[str] = frozenset()) -> None:
        with self._lock:
            ids = (self._ids | set(add)) - set(remove)
            if ids != self._ids:
                write_json(self.path, sorted(ids))
                self._ids = ids
