"""Web archives: `.warc` and `.warc.gz` crawl dumps (ISO 28500), read with FastWARC (resiliparse).

Each `response` record of a page is one document: its id the record's WARC-Target-URI (its WARC-Record-ID when it
has none), its date the WARC-Date (when it was fetched), its text the page's main text, extracted as from an `.html`
file (read.files.html_main_text); a `text/plain` payload is taken as it is. Records of other types (warcinfo,
request, metadata, revisit) hold no page and are passed over. A response that is not a page (an image, a
script, an error or a redirect), is empty, or is no text in any encoding is a Skip naming the record
(`crawl.warc.gz:record N`) and its URI.

Damage (a gzip member cut short or corrupt, a file truncated mid-record) costs only what follows it: the stream is
decompressed by Python's gzip module, one member's worth at a time, and read up to the damage, so every whole
record before it is a document; a record cut short is a Skip; the damage itself is one Skip naming the file.
(FastWARC's own decompressor stops silently at a truncated member, and a buffered reader loses the bytes it had
decompressed when the error came.)
"""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from copytrace.document import Document, Skip
from copytrace.read.decode import NotText, decode_text, is_binary
from copytrace.read.files import html_main_text

WARC_SUFFIXES = (".warc", ".warc.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})


def is_warc_file(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


class _UpToDamage(io.RawIOBase):
    """A byte stream read until its first error, which it keeps (`error`) and reads as the end of the stream."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner, self._pos = inner, 0
        self.error: Exception | None = None

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self.error is not None:
            return 0
        try:  # read1: at most one decompressed chunk, so an error never swallows the bytes decompressed before it
            chunk = self._inner.read1(len(buffer))
        except (OSError, EOFError, zlib.error) as e:  # (gzip.BadGzipFile is an OSError)
            self.error = e
            return 0
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def _open(path: Path) -> IO[bytes]:
    raw = open(path, "rb", buffering=1 << 20)
    if raw.peek(2)[:2] == _GZIP_MAGIC:  # by the content: a `.warc` may be gzipped and a `.warc.gz` not
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


def located_warc_records(path: Path) -> Iterator[tuple[str, Document | Skip]]:
    """Each page of a WARC file with where it is (`crawl.warc.gz:record N`, N counting every record), then the
    damage, if any, as one Skip of the file."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    with _open(path) as inner:
        stream = _UpToDamage(inner)
        n = 0
        for record in ArchiveIterator(stream, record_types=WarcRecordType.any_type, parse_http=False,
                                      stream_detect=False):
            n += 1
            where = f"{path.name}:record {n}"
            block = record.reader.read()
            uri = record.headers.get("WARC-Target-URI") or None
            if len(block) < record.content_length or record.headers.get("WARC-Record-ID") is None:
                if stream.error is None:  # (a record cut short by the damage is the damage, reported below)
                    yield where, Skip(where, f"record cut short: {len(block)} of {record.content_length} bytes",
                                      uri)
                n -= 1
                break
            if record.record_type != WarcRecordType.response:
                continue
            yield where, _page(record, block, where, path)
        if stream.error is not None:
            yield str(path), Skip(str(path), f"unreadable corpus file: {stream.error} (after record {n}; the records "
                                             f"before it are read)")


def _page(record: Any, block: bytes, where: str, path: Path) -> Document | Skip:
    """The document of one response record, or the Skip that says why it is none."""
    record_id = record.headers.get("WARC-Record-ID")
    uri = record.headers.get("WARC-Target-URI") or None
    doc_id = uri or record_id
    record.set_bytes_content(block)
    try:
        record.parse_http(auto_decode="all")
        payload = record.reader.read()
    except (OSError, ValueError) as e:
        return Skip(where, f"unreadable HTTP response: {e}", doc_id)
    status = record.http_headers.status_code if record.http_headers is not None else None
    if status is not None and not 200 <= status < 300:
        return Skip(where, f"HTTP status {status}, not a page", doc_id)
    content_type = (record.http_content_type or "").lower()
    if content_type not in _HTML_TYPES and content_type not in _TEXT_TYPES:
        return Skip(where, f"not a page: Content-Type {content_type or 'missing'!r}", doc_id)
    try:
        text = _decode(payload, record.http_charset)
    except NotText as e:
        return Skip(where, str(e), doc_id)
    if content_type in _HTML_TYPES:
        text = html_main_text(text)
    if not text or text.isspace():
        return Skip(where, "empty text", doc_id)
    date = record.headers.get("WARC-Date") or None
    return Document(id=doc_id, text=text, path=str(path), date=date,
                    metadata={"date": date, "warc_record_id": record_id})


def _decode(payload: bytes, charset: str | None) -> str:
    """By the charset the server declared when the bytes are in it, else as any file is (read.decode)."""
    if charset and not is_binary(payload):
        try:
            return payload.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    return decode_text(payload)
