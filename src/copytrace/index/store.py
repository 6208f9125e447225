"""The index on disk: immutable segments, one manifest naming the live ones, one writer at a time.

    INDEX/
      manifest.json        {"format", "generation", "layers", "segments": [{"name", "documents"}], "deleted"}
      lock                 held (flock) by the one writer
      seg-000001/          one add's documents, written whole before the manifest names them:
        documents.jsonl    id, path, date, lang, chars, boilerplate_chars per document
        texts.zst          each text compressed on its own (zstandard), at texts.offsets.npy
        line_keys.npy      each document's distinct short-line keys (clean.repeated_lines counts them)
        fp.*.npy, fp.langs.json   the fingerprints (fingerprint.keys.Fingerprints), documents numbered from 0
        pairs.jsonl        the related pairs this add found (new against new, new against old; whether only the
                           quotation index nominated each), and the older pairs
                           it checked again because furniture found since covers their documents: a later
                           segment's line for a pair replaces an earlier one's, {"a", "b", "removed": true} ends it
        furniture.npy      the corpus's furniture shingles when this add was made

A commit writes the segment under a temporary name, syncs it, renames it, then replaces manifest.json the same way
(write, fsync, rename, fsync the folder): a reader sees the old manifest or the new one, never half of one; a killed
add leaves a stray folder that the next writer deletes. Removed documents are tombstones in the manifest
(`deleted`: segment -> rows) until a merge writes the live rows into one new segment.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import orjson
import zstandard

from copytrace.document import DocumentRecord, Pair
from copytrace.fingerprint.keys import INDEXES, Fingerprints, KeyIndex

#: the layout this code reads and writes; an index written by another is refused, named
FORMAT = 1
MANIFEST = "manifest.json"
_ZSTD_LEVEL = 3


class NotAnIndex(Exception):
    """A folder that is not an index, or one written by an incompatible version: bad usage, exit 2."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _save_array(folder: Path, name: str, array: np.ndarray) -> None:
    with open(folder / f"{name}.npy", "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _load_array(folder: Path, name: str) -> np.ndarray:
    return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)


@dataclass
class Manifest:
    generation: int = 0
    layers: tuple[str, ...] = ()
    segments: list[dict] = field(default_factory=list)  # [{"name", "documents"}], in the order of their adds
    deleted: dict[str, list[int]] = field(default_factory=dict)  # segment name -> removed rows

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise NotAnIndex(f"{folder}: not a copytrace index (no {MANIFEST})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise NotAnIndex(f"{folder}: unreadable {MANIFEST}: {e}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            raise NotAnIndex(f"{folder}: index format {found!r}, this copytrace reads format {FORMAT}")
        return cls(data["generation"], tuple(data["layers"]), data["segments"],
                   {k: list(v) for k, v in data["deleted"].items()})

    def write(self, folder: Path) -> None:
        """Replace the manifest atomically: readers see the old one or this one."""
        body = {"format": FORMAT, "generation": self.generation, "layers": list(self.layers),
                "segments": self.segments, "deleted": self.deleted}
        tmp = folder / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        _write_synced(tmp, orjson.dumps(body, option=orjson.OPT_INDENT_2))
        os.replace(tmp, folder / MANIFEST)
        _fsync_dir(folder)


class SegmentTexts:
    """A segment's texts, read by row: positioned reads of compressed frames (forked workers share the descriptor)."""

    def __init__(self, folder: Path) -> None:
        self.offsets = np.load(folder / "texts.offsets.npy", allow_pickle=False)
        self._fd = os.open(folder / "texts.zst", os.O_RDONLY)
        self._decompress = zstandard.ZstdDecompressor()

    def get(self, row: int) -> str:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return self._decompress.decompress(os.pread(self._fd, end - start, start)).decode("utf-8", "surrogatepass")

    def raw(self, row: int) -> bytes:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return os.pread(self._fd, end - start, start)

    def close(self) -> None:
        os.close(self._fd)


@dataclass
class Segment:
    """One add's documents, opened read-only (arrays memory-mapped)."""

    name: str
    folder: Path
    records: list[DocumentRecord]
    texts: SegmentTexts

    @classmethod
    def open(cls, folder: Path) -> Segment:
        records = [DocumentRecord(**orjson.loads(line)) for line in (folder / "documents.jsonl").read_bytes().splitlines()]
        return cls(folder.name, folder, records, SegmentTexts(folder))

    def __len__(self) -> int:
        return len(self.records)

    def line_keys(self) -> np.ndarray:
        return _load_array(self.folder, "line_keys")

    def fingerprints(self) -> Fingerprints:
        """This segment's fingerprints, its documents numbered from 0."""
        per_doc = {f.name: _load_array(self.folder, f"fp.{f.name}") for f in fields(Fingerprints)
                   if f.name != "langs" and f.name not in INDEXES}
        indexes = {}
        for name in INDEXES:
            if (self.folder / f"fp.{name}.key.npy").exists():
                pos = self.folder / f"fp.{name}.pos.npy"
                indexes[name] = KeyIndex(_load_array(self.folder, f"fp.{name}.key"),
                                         _load_array(self.folder, f"fp.{name}.doc"),
                                         _load_array(self.folder, f"fp.{name}.pos") if pos.exists() else None)
        langs = json.loads((self.folder / "fp.langs.json").read_text(encoding="utf-8"))
        return Fingerprints(langs=langs, **per_doc, **indexes)

    def pairs(self) -> Iterator[tuple[str, str, Pair | None, bool]]:
        """(a, b, the pair, whether only the quotation index nominated it), or (a, b, None, False) where this
        segment ends an older segment's pair."""
        path = self.folder / "pairs.jsonl"
        for line in path.read_bytes().splitlines():
            row = orjson.loads(line)
            pair = None if row.get("removed") else Pair.from_dict(row)
            yield row["a"], row["b"], pair, bool(row.get("quotes_only"))

    def furniture(self) -> np.ndarray:
        path = self.folder / "furniture.npy"
        return np.load(path, allow_pickle=False) if path.exists() else np.zeros(0, np.uint64)

    def close(self) -> None:
        self.texts.close()


def write_segment(
    folder: Path, name: str, records: list[DocumentRecord], texts: Iterable[bytes | str], line_keys: np.ndarray,
    fp: Fingerprints, pairs: Iterable[Pair], ended: Iterable[tuple[str, str]] = (), furniture: np.ndarray | None = None,
    quotes_only: frozenset[frozenset[str]] = frozenset(),
) -> None:
    """Write a segment whole under a temporary name, synced, then rename it to `name` (fingerprints with documents
    numbered from 0). Texts given as bytes are frames already compressed (a merge copies them)."""
    tmp = folder / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    _write_synced(tmp / "documents.jsonl", b"".join(orjson.dumps(r.to_json()) + b"\n" for r in records))
    compress = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    offsets = [0]
    with open(tmp / "texts.zst", "wb", buffering=1 << 20) as f:
        for text in texts:
            frame = text if isinstance(text, bytes) else compress.compress(text.encode("utf-8", "surrogatepass"))
            f.write(frame)
            offsets.append(offsets[-1] + len(frame))
        f.flush()
        os.fsync(f.fileno())
    _save_array(tmp, "texts.offsets", np.array(offsets, np.int64))
    _save_array(tmp, "line_keys", line_keys.astype(np.uint64))
    for f in fields(Fingerprints):
        if f.name == "langs" or f.name in INDEXES:
            continue
        _save_array(tmp, f"fp.{f.name}", getattr(fp, f.name))
    for index_name, index in fp.indexes().items():
        for column in index.columns():
            _save_array(tmp, f"fp.{index_name}.{column}", getattr(index, column))
    _write_synced(tmp / "fp.langs.json", json.dumps(fp.langs).encode())
    rows = [orjson.dumps({**p.to_dict(), "quotes_only": frozenset((p.a, p.b)) in quotes_only}) for p in pairs]
    rows += [orjson.dumps({"a": a, "b": b, "removed": True}) for a, b in ended]
    _write_synced(tmp / "pairs.jsonl", b"".join(row + b"\n" for row in rows))
    _save_array(tmp, "furniture", np.zeros(0, np.uint64) if furniture is None else furniture.astype(np.uint64))
    _fsync_dir(tmp)
    os.rename(tmp, folder / name)
    _fsync_dir(folder)


def remove_strays(folder: Path, manifest: Manifest) -> None:
    """Delete what a killed writer left: segment folders and temporary files the manifest does not name."""
    live = {s["name"] for s in manifest.segments}
    for entry in folder.iterdir():
        stray_segment = entry.is_dir() and (entry.name.startswith(".tmp-") or
                                            (entry.name.startswith("seg-") and entry.name not in live))
        if stray_segment:
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_file() and entry.name.startswith(f".{MANIFEST}.") and entry.name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


@contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """One writer at a time: an exclusive lock on INDEX/lock, waited for, released however the writer ends."""
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
