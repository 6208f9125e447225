"""Bytes to text: UTF-8 first, then a detected encoding (real corpora such as METER are ISO-8859-1)."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

#: a NUL byte in the first block marks a binary file (images, archives, PDFs): no text encoding puts NULs in prose.
_SNIFF_BYTES = 8192


class NotText(ValueError):
    """The bytes are not a text in any encoding we can read."""


def is_binary(data: bytes) -> bool:
    head = data[:_SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def decode_text(data: bytes) -> str:
    """Decode a file's bytes; raise NotText for binary data."""
    if is_binary(data):
        if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return data.decode("utf-16")
        raise NotText("binary content (NUL bytes), not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    # Every byte is a valid ISO-8859-1 character; prose that is not UTF-8 is most often Latin-1 or cp1252.
    return data.decode("cp1252", errors="replace")
