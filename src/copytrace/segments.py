"""The index on disk: immutable segments, one manifest naming the live ones, one writer at a time.

    INDEX/
      manifest.json        {"format", "generation", "layers", "segments": [{"name", "documents"}], "deleted"}
      lock                 held (flock) by the one writer
      seg-000001/          one add's documents, written whole before the manifest names them:
        documents.jsonl    id, path, date, lang, chars, boilerplate_chars per document, at documents.offsets.npy
        ids.hash.npy, ids.row.npy   the ids' 64-bit hashes, sorted, and their rows: an id found without reading all
        texts.zst          each text compressed on its own (zstandard), at texts.offsets.npy
        probe.lines.*.npy  each document's distinct short-line keys (clean.repeated_lines counts them), by key
        fp.*.npy, fp.langs.json   the fingerprints (fingerprint.keys.Fingerprints), documents numbered from 0,
                           each key index sorted by key: the documents holding a key are found by binary search
        probe.bands.*.npy, probe.exact.*.npy   MinHash band keys and exact-text hashes as key indexes, sorted
        leads.npy          the documents' lead vectors, once the index holds several languages (added to older
                           segments then, as a whole file)
        sentences.doc.npy, sentences.pos.npy, sentences.vectors.npy   the usable sentences of an add in deep semantic
                           mode (candidates.deep.KeptSentences: each one's row and number in its document, its vector in
                           float16), probed by later adds and queries in that mode (index.deep); added to older
                           segments, once, by the first add in deep mode (vectors last: with them the set is whole)
        lines.key.npy, lines.count.npy   the segment's distinct short-line keys and how many documents hold each
        repeated.npy       the corpus's furniture lines when this add was made
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
import mmap
import os
import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from itertools import islice
from pathlib import Path

import numpy as np
import orjson
import xxhash
import zstandard

from copytrace.arrays import argsort_keys
from copytrace.candidates.deep import KeptSentences
from copytrace.candidates.lsh import band_keys
from copytrace.clean import batch_line_keys
from copytrace.config import CandidateConfig, CleanConfig
from copytrace.document import DocumentRecord, Pair
from copytrace.fingerprint.keys import INDEXES, Fingerprints, KeyIndex
from copytrace.native import equal_ranges

#: the layout this code reads and writes; an index written by another is refused, named
FORMAT = 2
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
    """A segment's texts, read by row: positioned reads of compressed frames (forked workers share the descriptor;
    threads each decompress with their own decompressor)."""

    def __init__(self, folder: Path) -> None:
        self.offsets = np.load(folder / "texts.offsets.npy", allow_pickle=False)
        self._file = open(folder / "texts.zst", "rb")  # closed with the segment, or when it is collected
        self._fd = self._file.fileno()
        self._local = threading.local()  # a decompressor per thread: one is not safe to share (it crashed)

    def get(self, row: int) -> str:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            decompressor = self._local.decompressor = zstandard.ZstdDecompressor()
        return decompressor.decompress(os.pread(self._fd, end - start, start)).decode("utf-8", "surrogatepass")

    def raw(self, row: int) -> bytes:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return os.pread(self._fd, end - start, start)

    def close(self) -> None:
        self._file.close()


def id_hashes(ids: Iterable[str]) -> np.ndarray:
    """64-bit hashes of document ids (the segment's ids.hash index)."""
    return np.fromiter((xxhash.xxh3_64_intdigest(i.encode("utf-8", "surrogatepass")) for i in ids), np.uint64)


class Segment:
    """One add's documents, opened read-only: arrays memory-mapped, records read by row when asked for."""

    def __init__(self, folder: Path) -> None:
        self.name, self.folder = folder.name, folder
        self._offsets = np.load(folder / "documents.offsets.npy", allow_pickle=False)
        self._file = open(folder / "documents.jsonl", "rb")  # closed with the segment, or when it is collected
        self._documents = self._file.fileno()
        self.texts = SegmentTexts(folder)
        self._records: list[DocumentRecord] | None = None
        # every array mapped now, and the small files read: a merge may delete the folder while a reader holds the
        # segment, and what is open or mapped stays readable
        self._arrays: dict[str, object] = {
            entry.name[:-4]: _load_array(folder, entry.name[:-4])
            for entry in os.scandir(folder) if entry.name.endswith(".npy") and not entry.name.startswith(".")
        }
        self._arrays["langs"] = json.loads((folder / "fp.langs.json").read_text(encoding="utf-8"))
        bands = folder / "probe.bands.json"
        self._arrays["banding"] = tuple(json.loads(bands.read_text(encoding="utf-8"))) if bands.exists() else None
        self._indexes: dict[str, KeyIndex | None] = {}
        self._pairs_file = open(folder / "pairs.jsonl", "rb")  # read on first use (a merge may delete it first)
        self._pairs: list[tuple[str, str, Pair | None, bool]] | None = None
        self._pairs_lock = threading.Lock()

    @classmethod
    def open(cls, folder: Path) -> Segment:
        return cls(folder)

    def release_pages(self) -> None:
        """Unmap the pages of this segment's arrays that this process has mapped (madvise MADV_DONTNEED, which for a
        file's shared mapping only drops the mapping): the page cache keeps them, and a later read maps them again
        (a minor fault). EngineConfig.index_mapped_mb says when."""
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        for value in self._arrays.values():
            mapped = getattr(value, "_mmap", None)
            if mapped is not None:
                mapped.madvise(mmap.MADV_DONTNEED)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @property
    def records(self) -> list[DocumentRecord]:
        """Every record of the segment (read once, on first use)."""
        if self._records is None:
            end = int(self._offsets[-1])
            data = os.pread(self._documents, end, 0)
            self._records = [DocumentRecord(**orjson.loads(line)) for line in data.splitlines()]
        return self._records

    def record(self, row: int) -> DocumentRecord:
        if self._records is not None:
            return self._records[row]
        start, end = int(self._offsets[row]), int(self._offsets[row + 1])
        return DocumentRecord(**orjson.loads(os.pread(self._documents, end - start, start)))

    def array(self, name: str) -> np.ndarray:
        """A memory-mapped array of the segment (kept open)."""
        if name not in self._arrays:
            self._arrays[name] = _load_array(self.folder, name)
        return self._arrays[name]

    def rows_of(self, ids: list[str]) -> list[int | None]:
        """Each id's row in this segment, or None (found by hash, confirmed on the record)."""
        hashes, rows = self.array("ids.hash"), self.array("ids.row")
        wanted = id_hashes(ids)
        lo, hi = equal_ranges(np.asarray(hashes), wanted)
        out: list[int | None] = []
        for doc_id, a, b in zip(ids, lo.tolist(), hi.tolist()):
            out.append(next((int(r) for r in rows[a:b].tolist() if self.record(int(r)).id == doc_id), None))
        return out

    def line_counts(self, keys: np.ndarray) -> np.ndarray:
        """How many of the segment's documents hold each of these short-line keys."""
        found, counts = self.array("lines.key"), self.array("lines.count")
        at = np.minimum(np.searchsorted(found, keys), max(len(found) - 1, 0))
        if len(found) == 0:
            return np.zeros(len(keys), np.int64)
        return np.where(found[at] == keys, counts[at], 0)

    def repeated(self) -> np.ndarray:
        return self.array("repeated")

    def index(self, name: str) -> KeyIndex | None:
        """One of the segment's key indexes (fingerprint indexes by name, or probe.bands / probe.exact), sorted by
        key; None where the segment has none of that name."""
        if name not in self._indexes:
            prefix = name if name.startswith("probe.") else f"fp.{name}"
            index = None
            if f"{prefix}.key" in self._arrays:
                index = KeyIndex(self.array(f"{prefix}.key"), self.array(f"{prefix}.doc"),
                                 self._arrays.get(f"{prefix}.pos"))
            self._indexes[name] = index
        index = self._indexes[name]
        return None if index is None else KeyIndex(index.key, index.doc, index.pos)

    def banding(self) -> tuple[int, int] | None:
        """The (bands, rows) of the segment's MinHash band index."""
        return self._arrays["banding"]

    def leads(self) -> np.ndarray | None:
        """The documents' lead vectors (rows of zeros for those without a language), where the segment has them:
        an index in several languages keeps them (candidates.neighbours)."""
        if "leads" not in self._arrays and not (self.folder / "leads.npy").exists():
            return None
        return self.array("leads")

    def add_leads(self, vectors: np.ndarray) -> None:
        """Give the segment its lead vectors (the index has just become one of several languages): a file added
        whole (written, synced, renamed), which no reader depends on."""
        self._add_array("leads", np.asarray(vectors, np.float32))
        _fsync_dir(self.folder)

    def sentences(self) -> KeptSentences | None:
        """The usable sentences' vectors, where the segment keeps them (an add in deep semantic mode)."""
        if "sentences.vectors" not in self._arrays and not (self.folder / "sentences.vectors.npy").exists():
            return None
        return KeptSentences(*(self.array(f"sentences.{name}") for name in ("vectors", "doc", "pos")))

    def add_sentences(self, sentences: KeptSentences) -> None:
        """Give the segment its sentence vectors (the first add in deep semantic mode): files added whole, the vectors
        last, which no reader depends on."""
        for column, values in _sentence_columns(sentences):
            self._add_array(f"sentences.{column}", values)
        _fsync_dir(self.folder)

    def _add_array(self, name: str, values: np.ndarray) -> None:
        """One array file added to the segment whole: written and synced under a temporary name, then renamed."""
        tmp = f".{name}-{uuid.uuid4().hex[:8]}"
        _save_array(self.folder, tmp, values)
        os.replace(self.folder / f"{tmp}.npy", self.folder / f"{name}.npy")

    def langs(self) -> list[str | None]:
        return self._arrays["langs"]

    def fingerprints(self) -> Fingerprints:
        """This segment's fingerprints, its documents numbered from 0."""
        per_doc = {f.name: self.array(f"fp.{f.name}") for f in fields(Fingerprints)
                   if f.name != "langs" and f.name not in INDEXES}
        indexes = {name: index for name in INDEXES if (index := self.index(name)) is not None}
        return Fingerprints(langs=self.langs(), **per_doc, **indexes)

    def pairs(self) -> Iterator[tuple[str, str, Pair | None, bool]]:
        """(a, b, the pair, whether only the quotation index nominated it), or (a, b, None, False) where this
        segment ends an older segment's pair. Read once (a segment never changes); each pair given is a copy that
        the caller may change."""
        with self._pairs_lock:
            if self._pairs is None:
                data = os.pread(self._pairs_file.fileno(), os.fstat(self._pairs_file.fileno()).st_size, 0)
                rows = [orjson.loads(line) for line in data.splitlines()]
                self._pairs = [(row["a"], row["b"], None if row.get("removed") else Pair.from_dict(row),
                                bool(row.get("quotes_only"))) for row in rows]
        for a, b, pair, quoted in self._pairs:
            yield a, b, None if pair is None else replace(pair), quoted

    def furniture(self) -> np.ndarray:
        return self.array("furniture")

    def close(self) -> None:
        self.texts.close()
        self._file.close()
        self._pairs_file.close()


def write_segment(
    folder: Path, name: str, records: list[DocumentRecord], texts: Iterable[bytes | str], lines: KeyIndex,
    fp: Fingerprints, pairs: Iterable[Pair], ended: Iterable[tuple[str, str]] = (), furniture: np.ndarray | None = None,
    quotes_only: frozenset[frozenset[str]] = frozenset(), repeated: Iterable[int] = (),
    candidates: CandidateConfig | None = None, leads: np.ndarray | None = None,
    sentences: KeptSentences | None = None,
) -> None:
    """Write a segment whole under a temporary name, synced, then rename it to `name` (fingerprints with documents
    numbered from 0, each key index sorted by key). Texts given as bytes are frames already compressed (a merge
    copies them). `lines`: each document's short-line keys; `repeated`: the corpus's furniture lines; `candidates`: the MinHash banding to index; `leads`: the
    documents' lead vectors, in an index of several languages; `sentences`: their usable sentences' vectors, in deep
    semantic mode."""
    tmp = folder / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    rows = [orjson.dumps(r.to_json()) + b"\n" for r in records]
    _write_synced(tmp / "documents.jsonl", b"".join(rows))
    _save_array(tmp, "documents.offsets", np.cumsum([0] + [len(row) for row in rows], dtype=np.int64))
    hashes = id_hashes(r.id for r in records)
    order = np.argsort(hashes, kind="stable")
    _save_array(tmp, "ids.hash", hashes[order])
    _save_array(tmp, "ids.row", order.astype(np.int32))
    offsets = [0]
    with open(tmp / "texts.zst", "wb", buffering=1 << 20) as f:
        for frame in _frames(texts):
            f.write(frame)
            offsets.append(offsets[-1] + len(frame))
        f.flush()
        os.fsync(f.fileno())
    _save_array(tmp, "texts.offsets", np.array(offsets, np.int64))
    _save_index(tmp, "probe.lines", lines)
    distinct, counts = np.unique(np.asarray(lines.key, np.uint64), return_counts=True)
    _save_array(tmp, "lines.key", distinct)
    _save_array(tmp, "lines.count", counts.astype(np.int64))
    _save_array(tmp, "repeated", np.sort(np.fromiter(repeated, np.uint64)))
    for f in fields(Fingerprints):
        if f.name == "langs" or f.name in INDEXES:
            continue
        _save_array(tmp, f"fp.{f.name}", getattr(fp, f.name))
    for index_name, index in fp.indexes().items():
        _save_index(tmp, f"fp.{index_name}", index)
    _save_index(tmp, "probe.exact", KeyIndex(fp.exact[fp.n_tokens > 0], np.flatnonzero(fp.n_tokens > 0).astype(np.int32)))
    if candidates is not None:
        usable = np.flatnonzero(fp.n_shingles > 0)
        bands = band_keys(np.asarray(fp.signatures)[usable], candidates.bands, candidates.rows)
        _save_index(tmp, "probe.bands", KeyIndex(bands.ravel(), np.repeat(usable, candidates.bands).astype(np.int32)))
        _write_synced(tmp / "probe.bands.json", json.dumps([candidates.bands, candidates.rows]).encode())
    _write_synced(tmp / "fp.langs.json", json.dumps(fp.langs).encode())
    if leads is not None:
        _save_array(tmp, "leads", leads.astype(np.float32))
    if sentences is not None:
        for column, values in _sentence_columns(sentences):
            _save_array(tmp, f"sentences.{column}", values)
    rows = [orjson.dumps({**p.to_dict(), "quotes_only": frozenset((p.a, p.b)) in quotes_only}) for p in pairs]
    rows += [orjson.dumps({"a": a, "b": b, "removed": True}) for a, b in ended]
    _write_synced(tmp / "pairs.jsonl", b"".join(row + b"\n" for row in rows))
    _save_array(tmp, "furniture", np.zeros(0, np.uint64) if furniture is None else furniture.astype(np.uint64))
    _fsync_dir(tmp)
    os.rename(tmp, folder / name)
    _fsync_dir(folder)


def _sentence_columns(sentences: KeptSentences) -> Iterator[tuple[str, np.ndarray]]:
    """The files of a segment's kept sentences, in the order they are written (the vectors last), vectors in
    float16."""
    yield "doc", np.asarray(sentences.doc, np.int32)
    yield "pos", np.asarray(sentences.pos, np.int32)
    yield "vectors", np.asarray(sentences.vectors, np.float16)


def _frames(texts: Iterable[bytes | str], chunk: int = 1024) -> Iterator[bytes]:
    """Each text as a zstd frame (bytes given are frames already), compressed a chunk at a time on every core
    (each text its own frame, as one compressor would make it)."""
    compress = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
    texts = iter(texts)
    while batch := list(islice(texts, chunk)):
        plain = [i for i, t in enumerate(batch) if not isinstance(t, bytes)]
        if plain:
            made = compress.multi_compress_to_buffer([batch[i].encode("utf-8", "surrogatepass") for i in plain],
                                                     threads=-1)
            for i, frame in zip(plain, made):
                batch[i] = frame.tobytes()
        yield from batch


def line_index(texts: list[str], config: CleanConfig) -> KeyIndex:
    """Each text's distinct short-line keys (clean.batch_line_keys), by document number: a segment's probe.lines."""
    keys = [batch_line_keys([text], config) for text in texts]
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), [len(k) for k in keys])
    return KeyIndex(np.concatenate([np.zeros(0, np.uint64)] + keys), doc)


def _save_index(folder: Path, prefix: str, index: KeyIndex) -> None:
    """A key index's columns, sorted by key (stable: an index sorted already keeps its order)."""
    key = np.asarray(index.key)
    ordered = len(key) < 2 or bool((key[1:] >= key[:-1]).all())
    order = None if ordered else argsort_keys(key)
    for column in index.columns():
        values = np.asarray(getattr(index, column))
        _save_array(folder, f"{prefix}.{column}", values if order is None else values[order])


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
