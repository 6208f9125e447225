"""Plain files and folders of them: .txt, .md, and .html/.htm through main-text extraction."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from copytrace.document import Document, Skip
from copytrace.read.decode import NotText, decode_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ".markdown", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def html_main_text(html: str) -> str:
    """The readable main text of a web page, without navigation, ads and comments."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if text:
        return text
    from resiliparse.extract.html2text import extract_plain_text  # a second opinion on pages trafilatura gives up on

    return extract_plain_text(html, main_content=True)


def read_text_file(path: Path, doc_id: str) -> Document | Skip:
    try:
        data = path.read_bytes()
    except OSError as e:
        return Skip(doc_id, f"unreadable: {e.strerror or e}")
    try:
        text = decode_text(data)
    except NotText as e:
        return Skip(doc_id, str(e))
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_main_text(text)
    if not text.strip():
        return Skip(doc_id, "empty text")
    return Document(id=doc_id, text=text, path=str(path))


def walk_folder(root: Path) -> Iterator[Path]:
    """Every file under root, recursively, in a stable order; hidden files and folders are not part of a corpus."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name
