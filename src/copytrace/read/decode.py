"""Bytes to text: UTF-8 first, then a detected encoding (real corpora such as METER are ISO-8859-1)."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

#: a NUL byte in the first block marks a binary file (images, archives, PDFs): no text encoding puts NULs in prose.
_SNIFF_BYTES = 8192
#: accented letters per ASCII letter above which a cp1252 reading is taken for another script misread.
WESTERN_MAX_ACCENTED = 0.3


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
    # Legacy prose is most often cp1252 / ISO-8859-1 (METER is), and detectors misjudge short Western texts as
    # cp1250. Take cp1252 unless the result looks like another script read wrongly: in Western languages
    # accented letters are a small minority, in mis-decoded Cyrillic or Greek they are nearly all.
    try:
        western = data.decode("cp1252")
        ascii_letters = sum(c.isascii() and c.isalpha() for c in western)
        other_letters = sum(not c.isascii() and c.isalpha() for c in western)
        if other_letters <= WESTERN_MAX_ACCENTED * max(ascii_letters, 1):
            return western
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")
