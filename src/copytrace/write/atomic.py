"""Output files are written whole or not at all: to a temporary name beside the target, then renamed."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import orjson


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path that becomes `target` only if the block finishes without an exception."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(target: str | Path, mode: str = "w") -> Iterator[IO]:
    with atomic_path(target) as tmp:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as f:
            yield f


def json_line(row: dict) -> bytes:
    """One JSONL line, UTF-8: orjson (several times faster), or the standard encoder for what orjson refuses (lone
    surrogates, which a text read with errors="surrogateescape" can hold)."""
    try:
        return orjson.dumps(row) + b"\n"
    except TypeError:
        return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


def write_jsonl(target: str | Path, rows: Iterable[dict]) -> int:
    n = 0
    with atomic_open(target, "wb") as f:
        for row in rows:
            f.write(json_line(row))
            n += 1
    return n
