"""Bytes to text: UTF-8 first, then a detected encoding (real corpora such as METER are ISO-8859-1)."""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from copytrace.config import DEFAULTS, ReadConfig

#: a NUL byte in the first block marks a binary file (images, archives, PDFs): no text encoding puts NULs in prose.
_SNIFF_BYTES = 8192


class NotText(ValueError):
    """The bytes are not a text in any encoding we can read."""


#: the byte-order marks of the wide encodings (their texts are full of NUL bytes); UTF-32-LE's mark begins with
#: UTF-16-LE's, so it is tried first.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _wide_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a UTF-16 or UTF-32 byte-order mark names, and the mark's length."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def is_binary(data: bytes) -> bool:
    return _wide_encoding(data) is None and b"\x00" in data[:_SNIFF_BYTES]


def decode_text(data: bytes, config: ReadConfig = DEFAULTS.read) -> str:
    """Decode a file's bytes; raise NotText for binary data. A byte-order mark decides the encoding."""
    wide = _wide_encoding(data)
    if wide is not None:
        encoding, bom_length = wide
        return data[bom_length:].decode(encoding, errors="replace")
    if is_binary(data):
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
        if other_letters <= config.western_max_accented * max(ascii_letters, 1):
            return western
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp1252", errors="replace")
