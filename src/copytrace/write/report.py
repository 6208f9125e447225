"""A scan as one self-contained HTML page: totals by kind, copy families with their original, story clusters, and
every pair's passages side by side (the reused words highlighted at the reported offsets; the words a spinner or a
paraphraser changed marked), filterable by kind and score, searchable by id. With dedup: what was dropped, for
which kept document, and why.

The page holds everything (no network): its styles and scripts inline from `write/report/`, the data as one
`<script type="application/json">` block. Texts and ids are untrusted, so the data is escaped for that block (every
`<`, `>` and `&` as a JSON `\\u` escape: no `</script>` can close it) and the scripts put it on the page with
`textContent` and DOM calls only. The list of pairs is drawn a screenful at a time and a pair's passages when it is
opened, so 10,000 pairs open as fast as ten.

The texts: a scan lets them go once it has aligned them, so the report is given them: `TextSpool` keeps every text
a scan reads (standard input too) on disk while it runs; `texts_from_inputs` reads them again from the inputs of a
finished scan. Offsets are character (code point) offsets, as in pairs.jsonl; the page converts them to the
browser's UTF-16 units itself (`pairview.js`)."""
from __future__ import annotations

import difflib
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson

from copytrace.document import Cluster, Document, DocumentRecord, Kind, Pair, Passage, RecordFields, ScanResult, Skip
from copytrace.write.atomic import atomic_open

#: pair kinds whose passages are rewritten, not copied: the words that differ inside each passage are marked
REWORDED = frozenset({Kind.SPUN, Kind.PARAPHRASE})
#: a family drawn as a picture only up to this many members (a bigger one is a list: a star of 50 labels is noise)
MAX_DRAWN_FAMILY = 16
_ASSETS = ("report.html", "report.css", "pairview.css", "pairview.js", "report.js")
_WORD = re.compile(r"\w+")
_KIND_ORDER = {k: i for i, k in enumerate(Kind)}  # the list shows copies first, the closest first


class TextSpool:
    """Every document's original text as a scan reads it, kept in an unnamed temporary file (a corpus need not fit in
    memory): `keeping(items)` passes the reader's documents and skips through unchanged, and afterwards `texts(ids)`
    reads back the ones the report shows. Works for standard input, which cannot be read twice."""

    def __init__(self, directory: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(prefix="copytrace-report-", dir=directory, buffering=1 << 20)
        self._where: dict[str, tuple[int, int]] = {}
        self._end = 0

    def keeping(self, items: Iterable[Document | Skip]) -> Iterator[Document | Skip]:
        for item in items:
            if isinstance(item, Document) and item.id not in self._where:
                data = item.text.encode("utf-8", "surrogatepass")
                self._file.write(data)
                self._where[item.id] = (self._end, len(data))
                self._end += len(data)
            yield item

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        self._file.flush()
        out = {}
        for doc_id in sorted(set(ids) & self._where.keys(), key=lambda i: self._where[i][0]):
            start, size = self._where[doc_id]
            self._file.seek(start)
            out[doc_id] = self._file.read(size).decode("utf-8", "surrogatepass")
        self._file.seek(self._end)
        return out

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> TextSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def texts_from_inputs(
    inputs: Iterable[str | Path], documents: list[DocumentRecord], fields: RecordFields = RecordFields(),
    min_words: int = 0,
) -> tuple[dict[str, str], list[str]]:
    """The texts of a finished scan's documents, read again from its inputs (the same readers, so an HTML page gives
    the same main text). A text whose length is not the one documents.jsonl recorded is not used (the input changed
    since the scan, or it is another input): its id is returned as a mismatch, and the report shows its offsets
    only. Raises read.InputError for a missing input."""
    from copytrace.read import read_inputs

    chars = {d.id: d.chars for d in documents}
    texts: dict[str, str] = {}
    mismatched: list[str] = []
    for item in read_inputs([str(p) for p in inputs], fields, min_words):
        if isinstance(item, Document) and item.id in chars and item.id not in texts:
            if len(item.text) == chars[item.id]:
                texts[item.id] = item.text
            else:
                mismatched.append(item.id)
    return texts, mismatched


def read_results(out_dir: str | Path) -> ScanResult:
    """A scan's output folder (documents.jsonl, pairs.jsonl, clusters.jsonl) back as a ScanResult (no skips: the
    files do not hold them). Raises FileNotFoundError if a file is missing."""
    out_dir = Path(out_dir)

    def rows(name: str) -> Iterator[dict]:
        with open(out_dir / name, "rb") as f:
            for line in f:
                if line.strip():
                    yield orjson.loads(line)

    documents = [DocumentRecord(d["id"], d.get("path"), d.get("date"), d.get("lang"), d["chars"],
                                d.get("boilerplate_chars", 0)) for d in rows("documents.jsonl")]
    pairs = [Pair(p["a"], p["b"], Kind(p["kind"]), p["score"], p["coverage_a"], p["coverage_b"], p.get("source"),
                  [Passage(tuple(q["a"]), tuple(q["b"]), Kind(q["kind"]), q["score"]) for q in p["passages"]])
             for p in rows("pairs.jsonl")]
    clusters = [Cluster(c["id"], c["kind"], c["members"], c.get("source")) for c in rows("clusters.jsonl")]
    return ScanResult(documents, pairs, clusters, [])


def differing_words(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The words of two passages that the other does not have in the same place: the two word sequences (compared
    lowercased) aligned by difflib's longest matching blocks; what falls between matches is marked, as spans
    [start, end) into `a` and into `b`, adjacent words merged into one span."""
    wa, wb = list(_WORD.finditer(a)), list(_WORD.finditer(b))
    matcher = difflib.SequenceMatcher(None, [m.group().lower() for m in wa], [m.group().lower() for m in wb],
                                      autojunk=False)
    spans_a: list[tuple[int, int]] = []
    spans_b: list[tuple[int, int]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if i2 > i1:
            spans_a.append((wa[i1].start(), wa[i2 - 1].end()))
        if j2 > j1:
            spans_b.append((wb[j1].start(), wb[j2 - 1].end()))
    return spans_a, spans_b


def pair_row(pair: Pair, text_a: str | None, text_b: str | None) -> dict[str, Any]:
    """A pair as the pair view (pairview.js) takes it: its pairs.jsonl row; in a spun or paraphrased pair whose two
    texts are given, each passage also says which words differ (`differ`: spans into each document, absolute offsets
    like the passage's). The report and the service's page both make their rows here."""
    row = pair.to_json()
    if pair.kind in REWORDED and text_a is not None and text_b is not None:
        for passage, out in zip(pair.passages, row["passages"]):
            (sa, ea), (sb, eb) = passage.a, passage.b
            da, db = differing_words(text_a[sa:ea], text_b[sb:eb])
            out["differ"] = {"a": [[sa + s, sa + e] for s, e in da], "b": [[sb + s, sb + e] for s, e in db]}
    return row


def packed_differ(row: dict[str, Any]) -> dict[str, Any]:
    """A pair_row made smaller for the report's data block (about half the bytes of its differing words, the bulk
    of a big report's pairs): each side's spans as one flat list of [gap, length, gap, length, ...], each gap
    counted from the end of the span before (the first from the passage's start). report.js expands them back to
    the pair view's [[start, end], ...] when the pair is opened."""
    for passage in row["passages"]:
        differ = passage.get("differ")
        if differ is None:
            continue
        for side in ("a", "b"):
            at, flat = passage[side][0], []
            for start, end in differ[side]:
                flat += [start - at, end - start]
                at = end
            differ[side] = flat
    return row


def _families(result: ScanResult) -> list[dict[str, Any]]:
    """Each copy family with its original and, for each member, how it was made: the kind of its pair with the
    original, else of its strongest pair inside the family (then `via` names the member it is a copy of)."""
    by_doc: dict[str, list[Pair]] = {}
    for p in result.pairs:
        if p.kind.is_copy:
            by_doc.setdefault(p.a, []).append(p)
            by_doc.setdefault(p.b, []).append(p)
    out = []
    for c in result.clusters:
        if c.kind != "copies":
            continue
        members = set(c.members)
        rows = []
        for m in c.members:
            row: dict[str, Any] = {"id": m, "kind": None, "score": None, "via": None}
            if m != c.source:
                mine = [p for p in by_doc.get(m, []) if (p.b if p.a == m else p.a) in members]
                direct = [p for p in mine if c.source in (p.a, p.b)]
                best = max(direct or mine, key=lambda p: p.score, default=None)
                if best is not None:
                    other = best.b if best.a == m else best.a
                    row.update(kind=best.kind.value, score=round(best.score, 4),
                               via=None if other == c.source else other)
            rows.append(row)
        out.append({"id": c.id, "source": c.source, "members": rows})
    return out


def report_data(
    result: ScanResult, texts: dict[str, str], drops: Iterable[Any] = (), title: str = "copytrace report",
    notes: Iterable[str] = (),
) -> dict[str, Any]:
    """What the page shows, as one JSON-able dict: `documents` (those in a pair, cluster or drop: id, path, lang,
    chars, date, text or null), `pairs` (pairs.jsonl rows, passages with `differ` where reworded, packed by
    packed_differ), `families`, `stories`, `drops` (dedup's Drop rows), `totals` and `notes` (what the reader
    should know, e.g. missing texts)."""
    drops = [d.to_json() for d in drops]
    shown = {i for p in result.pairs for i in (p.a, p.b)}
    shown |= {m for c in result.clusters for m in c.members}
    shown |= {i for d in drops for i in (d["id"], d["kept"])}
    documents = [{**d.to_json(), "text": texts.get(d.id)} for d in result.documents if d.id in shown]
    known = {d["id"] for d in documents}
    documents += [{"id": i, "path": None, "lang": None, "chars": None, "boilerplate_chars": None, "date": None,
                   "text": texts.get(i)} for i in sorted(shown - known)]
    by_kind = {k.value: 0 for k in Kind}
    for p in result.pairs:
        by_kind[p.kind.value] += 1
    notes = list(notes)
    in_pairs = {i for p in result.pairs for i in (p.a, p.b)}
    missing = sum(1 for d in documents if d["text"] is None and d["id"] in in_pairs)
    if missing:
        notes.append(f"{missing} document(s) in pairs have no text here: their passages show offsets only")
    return {
        "title": title,
        "totals": {"documents": len(result.documents), "pairs": len(result.pairs), "by_kind": by_kind,
                   "families": sum(c.kind == "copies" for c in result.clusters),
                   "stories": sum(c.kind == "story" for c in result.clusters), "dropped": len(drops),
                   "skipped": len(result.skips)},
        "documents": documents,
        "pairs": [packed_differ(pair_row(p, texts.get(p.a), texts.get(p.b)))
                  for p in sorted(result.pairs, key=lambda p: (_KIND_ORDER[p.kind], -p.score))],
        "families": _families(result),
        "stories": [c.to_json() for c in result.clusters if c.kind == "story"],
        "drops": drops,
        "notes": notes,
    }


def script_json(data: Any) -> str:
    """JSON for a `<script type="application/json">` block: `<`, `>` and `&` written as `\\u` escapes (valid JSON,
    the same string once parsed), so that no text can close the block or open a comment. A lone surrogate (which a
    text read with errors="surrogateescape" can hold) is written as its escape."""
    try:
        raw = orjson.dumps(data).decode("utf-8")
    except TypeError:
        raw = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def asset(name: str) -> str:
    """One of the page's parts (write/report/): the template, its styles, its scripts. `pairview.js` and
    `pairview.css` are the pair view alone, for any page that shows a pair."""
    return (files("copytrace.write") / "report" / name).read_text(encoding="utf-8")


def render_report(data: dict[str, Any]) -> str:
    """The whole page as one string: the template with its styles, scripts and data put in."""
    page = asset("report.html")
    for marker, text in (("/*STYLE*/", asset("pairview.css") + asset("report.css")),
                         ("/*SCRIPT*/", asset("pairview.js") + asset("report.js"))):
        head, sep, tail = page.partition(marker)
        page = head + text + tail
    head, sep, tail = page.partition("/*DATA*/")
    return head + script_json(data) + tail


def write_report(
    result: ScanResult, texts: dict[str, str], out: str | Path, drops: Iterable[Any] = (),
    title: str = "copytrace report", notes: Iterable[str] = (),
) -> Path:
    """Write the report of a scan (and of a dedup's drops) to `out`, whole or not at all (write.atomic)."""
    page = render_report(report_data(result, texts, drops, title, notes))
    with atomic_open(out, "w") as f:
        f.write(page)
    return Path(out)
