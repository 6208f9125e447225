"""Writes examples/web/crawl.warc.gz: a small crawl of the example news pages, as a crawler (wget --warc,
Heritrix, Common Crawl) stores them: per page a `request` and a `response` record, a `warcinfo` record first, each
record its own gzip member, written with FastWARC.

The pages: the wire's story and its later version (examples/news, put into the wire's page template), a site's
repost (examples/news/repost.html, as it is), a spun copy (examples/disguised/spun.txt, in a content farm's
template), and an unrelated story served as text/plain. Run `python examples/web/make_warc.py` to write it again;
tests/test_warc.py uses the same functions to write WARCs of bad records.
"""
from __future__ import annotations

import html
import sys
import uuid
from pathlib import Path

from fastwarc.stream_io import GzipWriter
from fastwarc.warc import WarcRecord, WarcRecordType

EXAMPLES = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "crawl.warc.gz"


def _urn(kind: str, uri: str | None, date: str) -> bytes:
    """A WARC-Record-ID made from what the record is, so the file is the same each time it is written."""
    return f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind} {uri} {date}')}".encode("ascii")


def page(title: str, paragraphs: list[str], site: str) -> bytes:
    """An article page: the site's navigation, the story, the site's footer."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)} - {site}</title>"
            f"</head>\n<body>\n<header><nav><a href=\"/\">{site}</a> | <a href=\"/world\">World</a> | "
            f"<a href=\"/sport\">Sport</a></nav></header>\n<main><article>\n<h1>{html.escape(title)}</h1>\n{body}\n"
            f"</article></main>\n<footer><p>Copyright 2024 {site}. All rights reserved.</p></footer>\n"
            f"</body></html>\n").encode("utf-8")


def page_of_text(path: Path, site: str) -> bytes:
    """A text file (its first line the title, paragraphs apart by blank lines) as an article page of the site."""
    title, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return page(title.strip(), [p.strip() for p in rest.split("\n\n") if p.strip()], site)


def response(uri: str | None, date: str, payload: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK") -> WarcRecord:
    """A `response` record of an HTTP fetch (no WARC-Target-URI when uri is None)."""
    record = WarcRecord()
    record.init_headers(record_type=WarcRecordType.response, record_urn=_urn("response", uri, date))
    if uri is not None:
        record.headers["WARC-Target-URI"] = uri
    record.headers["WARC-Date"] = date
    record.headers["Content-Type"] = "application/http; msgtype=response"
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
    record.set_bytes_content(head.encode("ascii") + payload)
    return record


def request(uri: str, date: str) -> WarcRecord:
    record = WarcRecord()
    record.init_headers(record_type=WarcRecordType.request, record_urn=_urn("request", uri, date))
    record.headers["WARC-Target-URI"] = uri
    record.headers["WARC-Date"] = date
    record.headers["Content-Type"] = "application/http; msgtype=request"
    host = uri.split("/")[2]
    record.set_bytes_content(f"GET /{uri.split('/', 3)[3]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode("ascii"))
    return record


def warcinfo(date: str) -> WarcRecord:
    record = WarcRecord()
    record.init_headers(record_type=WarcRecordType.warcinfo, record_urn=_urn("warcinfo", None, date))
    record.headers["WARC-Date"] = date
    record.headers["Content-Type"] = "application/warc-fields"
    record.set_bytes_content(b"software: copytrace examples/web/make_warc.py\r\nformat: WARC File Format 1.1\r\n")
    return record


def write_warc(path: Path, records: list[WarcRecord], gzipped: bool = True) -> None:
    """The records, each its own gzip member (as crawlers write them, so a reader can seek to any record)."""
    with open(path, "wb") as f:
        for record in records:
            if gzipped:
                stream = GzipWriter(f)
                record.write(stream, checksum_data=True)
                stream.close()
            else:
                record.write(f, checksum_data=True)


#: (uri, WARC-Date, payload, content type) of each page of the example crawl
def crawl_pages() -> list[tuple[str, str, bytes, str]]:
    news, disguised = EXAMPLES / "news", EXAMPLES / "disguised"
    html_type = "text/html; charset=utf-8"
    return [
        ("https://wire.example/2024/03/03/diplomats-vienna", "2024-03-03T07:00:00Z",
         page_of_text(news / "story.txt", "Wire"), html_type),
        ("https://dailynewshub.example/world/top-diplomats-meet-in-vienna", "2024-03-03T09:12:00Z",
         (news / "repost.html").read_bytes(), html_type),
        ("https://wire.example/2024/03/04/grain-corridor-draft-deal", "2024-03-04T08:00:00Z",
         page_of_text(news / "later-version.txt", "Wire"), html_type),
        ("https://spinfarm.example/prime-diplomats-vienna", "2024-03-04T11:40:00Z",
         page_of_text(disguised / "spun.txt", "SpinFarm"), html_type),
        ("https://wire.example/2024/03/04/storm.txt", "2024-03-04T12:30:00Z",
         (news / "unrelated.txt").read_bytes(), "text/plain; charset=utf-8"),
    ]


def main(out: Path = OUT) -> None:
    records = [warcinfo("2024-03-04T23:00:00Z")]
    for uri, date, payload, content_type in crawl_pages():
        records += [request(uri, date), response(uri, date, payload, content_type)]
    write_warc(out, records)
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(records)} records)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
