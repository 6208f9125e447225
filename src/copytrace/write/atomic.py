"""Output files are written whole or not at all: to a temporary name beside the target, then renamed."""
from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import orjson


class OutputError(Exception):
    """An output path that cannot be written (a file where a folder is wanted, or the reverse; a folder we may not
    write in): bad usage, exit code 2, found before any input is read."""


def check_writable(target: str | Path, folder: bool = False) -> None:
    """Raise OutputError unless `target` (a file, or with folder=True a folder) can be written, without creating
    anything: the nearest existing folder on its way must take a new file."""
    target = Path(target)
    if folder and target.exists() and not target.is_dir():
        raise OutputError(f"--out {target} is a file, not a folder")
    if not folder and target.is_dir():
        raise OutputError(f"--out {target} is a folder, not a file")
    if not folder and target.exists() and not target.is_file():  # renaming over /dev/null would replace it
        raise OutputError(f"--out {target} is not a regular file (a device or a pipe)")
    place = target if folder else target.parent
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        raise OutputError(f"cannot write {target}: {place} is not a folder")
    try:  # permissions, a read-only file system, a full quota: only trying says
        fd, probe = tempfile.mkstemp(prefix=".copytrace-probe-", dir=place)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"cannot write {target}: {place}: {e.strerror or e}") from None


#: when this run began: a temporary file of ours older than that was left by a run that was killed.
RUN_STARTED = time.time()


def _part_name_pattern(target: Path) -> re.Pattern:
    """The temporary names atomic_path gives `target` (and the 8-character ones mkstemp gave before)."""
    return re.compile(re.escape(f".{target.name}.") + r"(?:[0-9a-f]{12}|[a-z0-9_]{8})\.part")


def remove_stale_parts(target: str | Path) -> None:
    """Delete what killed runs left while writing `target`: its temporary files from before this run began (a
    newer one may be another live run's)."""
    target = Path(target)
    pattern = _part_name_pattern(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry.name):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < RUN_STARTED:
                    os.unlink(entry.path)
            except OSError:
                pass  # gone already, or not ours to remove


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path that becomes `target` only if the block finishes without an exception.

    The temporary file is `.NAME.<12 hex>.part` beside the target, created with mode 0666 less the umask like any
    file (mkstemp's 0600 would have stayed on the output); a killed run's are removed by the next write of NAME."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target)
    while True:
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
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
    with atomic_open(target, "wb") as f:
        return write_lines(f, rows)


def write_lines(f: IO[bytes], rows: Iterable[dict]) -> int:
    n = 0
    for row in rows:
        f.write(json_line(row))
        n += 1
    return n
