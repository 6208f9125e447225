"""A long scan's finished work kept in a folder (`--work-dir`, ScanConfig.work_dir): a run killed and started again
with the same folder reuses every finished fingerprint segment and align part, and writes the very output an
uninterrupted run writes.

    WORK/
      run.json      what the work is of: copytrace's version, the settings that decide an answer or a partition
                    (layers, record fields, thresholds, batch and chunk sizes, semantic mode and device), and the
                    corpus: a digest of every document and skip read, in order, recorded when the first run has read
      lock          held (flock) by the run working here: two runs never share a folder
      segments/seg-NNNNNNNNNN/   one fingerprint batch, the corpus's documents NNNNNNNNNN on, in the index's segment
                    format (index.store: records, texts, short-line keys, fingerprints numbered from 0), written
                    whole by the worker that fingerprinted it, then renamed
      pairs/part-NNNNNNNN.jsonl  the related pairs align chunk NNNNNNNN found (document numbers and each pair at full
                    precision), written whole, then renamed

Reading is done again on every run: it is one pass, and its digest is what proves the folder belongs to this corpus.
The furniture, candidates and embeddings are computed again from the kept fingerprints (each is deterministic), so
only fingerprinting and alignment, the stages that cost, are resumed. A folder of other settings is refused before
anything is read, one of another corpus once it is read and before any of its work is used (WorkDirMismatch: bad
usage, exit 2); what a killed run was writing (`.tmp-*` folders, `.part` files) is deleted when the folder opens.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import orjson
import xxhash

from copytrace.config import ScanConfig
from copytrace.document import Document, DocumentRecord, Pair, Skip
from copytrace.fingerprint.embed import deep_semantic, resolve_device
from copytrace.fingerprint.keys import Fingerprints
from copytrace.segments import Segment, SegmentTexts, line_index, write_segment
from copytrace.write.atomic import atomic_path

#: the layout of a work folder; one of another layout is refused
FORMAT = 1
RUN = "run.json"


class WorkDirMismatch(Exception):
    """A work folder that holds another run's work (other settings, another corpus) or is in use: bad usage."""


def run_settings(config: ScanConfig) -> dict:
    """What decides the work a folder holds: two runs with equal settings and corpora fingerprint the same batches and
    align the same chunks. The engine and the number of workers are not among them: both engines give one answer."""
    from copytrace import __version__

    return {
        "format": FORMAT, "copytrace": __version__, "layers": list(config.layers), "fields": asdict(config.fields),
        "thresholds": config.thresholds.to_json(), "batch_size": config.sizes.batch_size,
        "align_chunk": config.sizes.align_chunk, "deep_semantic": deep_semantic(config),
        "device": resolve_device(config.device),
    }


class WorkDir:
    """A work folder opened by the run that works in it (it holds the lock until close)."""

    def __init__(self, path: str | Path, config: ScanConfig) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise WorkDirMismatch(f"--work-dir {self.path} is a file, not a folder")
        (self.path / "segments").mkdir(parents=True, exist_ok=True)
        (self.path / "pairs").mkdir(exist_ok=True)
        self._lock = os.open(self.path / "lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise WorkDirMismatch(f"--work-dir {self.path} is in use by another run") from None
        self.settings = run_settings(config)
        self.batch_size = config.sizes.batch_size
        self.reused_segments = self.reused_parts = 0
        try:
            self._run = self._check_settings()
        except BaseException:
            self.close()
            raise
        _remove_unfinished(self.path)

    def _check_settings(self) -> dict:
        path = self.path / RUN
        if not path.exists():
            if any(self.path.glob("segments/seg-*")) or any(self.path.glob("pairs/part-*")):
                raise WorkDirMismatch(f"--work-dir {self.path} holds work but no {RUN}: not copytrace's, or damaged")
            run = {"settings": self.settings, "corpus": None}
            _write_whole(path, orjson.dumps(run, option=orjson.OPT_INDENT_2))
            return run
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
            kept = run["settings"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise WorkDirMismatch(f"--work-dir {self.path}: unreadable {RUN}: {e}") from None
        if kept != self.settings:
            differ = sorted(k for k in set(kept) | set(self.settings) if kept.get(k) != self.settings.get(k))
            raise WorkDirMismatch(f"--work-dir {self.path} holds the work of a run with other settings "
                                  f"({', '.join(differ)} differ): use another folder, or delete this one")
        return run

    def digesting(self, items: Iterable[Document | Skip]) -> Iterator[Document | Skip]:
        """The items, passed through, their digest (ids, paths, dates, texts, skips, in order) kept for check_corpus."""
        digest = xxhash.xxh3_128()
        for item in items:
            if isinstance(item, Skip):
                fields = ("skip", item.record, item.reason, item.id)
            else:
                fields = ("doc", item.id, item.path, item.date, item.text)
            for value in fields:
                data = b"\xff" if value is None else str(value).encode("utf-8", "surrogatepass")
                digest.update(len(data).to_bytes(8, "little"))
                digest.update(data)
            yield item
        self.corpus = digest.hexdigest()

    def check_corpus(self, documents: int) -> None:
        """After reading (digesting): refuse another corpus's folder, or record this corpus in a new one."""
        seen = {"digest": self.corpus, "documents": documents}
        kept = self._run.get("corpus")
        if kept is None:
            self._run["corpus"] = seen
            _write_whole(self.path / RUN, orjson.dumps(self._run, option=orjson.OPT_INDENT_2))
        elif kept != seen:
            raise WorkDirMismatch(
                f"--work-dir {self.path} holds the work of another corpus ({kept['documents']} documents read then, "
                f"{documents} now, or the same count with other texts): use another folder, or delete this one")

    # ---- fingerprint segments ----------------------------------------------------------------------------------

    def segment_folder(self, first: int) -> Path:
        return self.path / "segments" / f"seg-{first:010d}"

    def finished_fingerprints(self, first: int) -> Fingerprints | None:
        """The fingerprints of the batch from document `first`, numbered as the corpus numbers them, where a run
        finished it."""

        folder = self.segment_folder(first)
        if not folder.is_dir():
            return None
        segment = Segment.open(folder)
        try:
            fp = segment.fingerprints().shifted(first)
        finally:
            segment.close()
        self.reused_segments += 1
        return fp

    # ---- align parts -------------------------------------------------------------------------------------------

    def _part(self, chunk: int) -> Path:
        return self.path / "pairs" / f"part-{chunk:08d}.jsonl"

    def finished_pairs(self, chunk: int) -> list[tuple[int, int, Pair]] | None:
        path = self._part(chunk)
        if not path.is_file():
            return None
        self.reused_parts += 1
        rows = (orjson.loads(line) for line in path.read_bytes().splitlines())
        return [(row["i"], row["j"], Pair.from_dict(row["pair"])) for row in rows]

    def keep_pairs(self, chunk: int, found: list[tuple[int, int, Pair]]) -> None:
        rows = [orjson.dumps({"i": int(i), "j": int(j), "pair": pair.to_dict()}) + b"\n" for i, j, pair in found]
        _write_whole(self._part(chunk), b"".join(rows))

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


@dataclass
class SegmentWriter:
    """What a fingerprint task needs to keep its batch in the work folder: the folder, every document's record (the
    driver's per-document metadata) and the corpus's furniture lines. Sent to workers with the stage's context."""

    path: str
    records: list[DocumentRecord]
    repeated: frozenset[int]
    candidates: object = None  # the CandidateConfig whose MinHash banding the segment indexes
    clean: object = None  # the CleanConfig that keys short lines

    def write(self, fp: Fingerprints, texts: list[str]) -> None:
        """Keep one batch's fingerprints (numbered as the corpus numbers them) and texts, whole or not at all."""

        first = int(fp.doc_index[0])
        folder = Path(self.path) / "segments"
        records = [replace(self.records[int(i)], lang=lang, boilerplate_chars=int(bp))
                   for i, lang, bp in zip(fp.doc_index.tolist(), fp.langs, fp.boilerplate_chars.tolist())]
        name = f"seg-{first:010d}"
        if (folder / name).is_dir():  # a task run again (Dask retries a lost worker's): its batch is kept already
            return
        try:
            write_segment(folder, name, records, texts, line_index(texts, self.clean), fp.shifted(-first), (),
                          repeated=self.repeated, candidates=self.candidates)
        except OSError:
            # another run of the same task renamed its segment first (rename onto a folder with files fails): the
            # same batch, so the same segment; this one's temporary folder goes when the work folder next opens
            if not (folder / name).is_dir():
                raise


#: the segments' text stores a worker has opened (index.store.SegmentTexts), by folder
_opened: dict[tuple[str, int], object] = {}


@dataclass
class KeptTexts:
    """The texts of a work folder's segments, by the corpus's document numbers: what workers on other machines read
    instead of receiving texts with their tasks."""

    path: str
    batch_size: int

    def get_many(self, indices: Iterable[int]) -> list[str]:

        out = []
        for i in indices:
            first = int(i) - int(i) % self.batch_size
            folder = os.path.join(self.path, "segments", f"seg-{first:010d}")
            # a long-lived worker may meet a folder of the same name written by a later run: known by its inode
            key = (folder, os.stat(folder).st_ino)
            texts = _opened.get(key)
            if texts is None:
                texts = _opened[key] = SegmentTexts(Path(folder))
            out.append(texts.get(int(i) - first))
        return out


def _write_whole(path: Path, data: bytes) -> None:
    """Write under a temporary name (write.atomic's `.NAME.<hex>.part`), sync, rename."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def _remove_unfinished(path: Path) -> None:
    """What a killed run was writing: temporary segment folders and part files."""
    for entry in list((path / "segments").iterdir()) + list((path / "pairs").iterdir()) + list(path.iterdir()):
        if entry.name.startswith(".tmp-") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.endswith(".part") and entry.is_file():
            entry.unlink(missing_ok=True)
