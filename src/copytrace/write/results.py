"""A scan's results: documents.jsonl, pairs.jsonl, clusters.jsonl (DESIGN.md contracts), and the terminal summary."""
from __future__ import annotations

import os
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from copytrace.document import Kind
from copytrace.document import ScanResult
from copytrace.write.atomic import atomic_open, write_lines

RESULT_FILES = ("documents.jsonl", "pairs.jsonl", "clusters.jsonl")


def write_results(result: ScanResult, out_dir: str | Path) -> None:
    """All three files appear together: each is written under a temporary name and renamed only once all are done."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {
        "documents.jsonl": (d.to_json() for d in result.documents),
        "pairs.jsonl": (p.to_json() for p in result.pairs),
        "clusters.jsonl": (c.to_json() for c in result.clusters),
    }
    with ExitStack() as stack:
        staged = {name: stack.enter_context(atomic_open(out_dir / f".{name}.staged", "wb")) for name in RESULT_FILES}
        for name, f in staged.items():
            write_lines(f, rows[name])
    for name in RESULT_FILES:
        os.replace(out_dir / f".{name}.staged", out_dir / name)


def summary_table(result: ScanResult):
    """A rich table: how many pairs of each kind, families, skipped inputs."""
    from rich.table import Table

    counts = Counter(p.kind for p in result.pairs)
    table = Table(title=f"copytrace: {len(result.documents)} documents, {len(result.pairs)} related pairs")
    table.add_column("kind")
    table.add_column("pairs", justify="right")
    table.add_column("example", overflow="fold")
    for kind in Kind:
        if counts[kind]:
            ex = next(p for p in result.pairs if p.kind is kind)
            table.add_row(kind.value, str(counts[kind]), f"{ex.a} ~ {ex.b} ({ex.coverage_a:.0%} / {ex.coverage_b:.0%})")
    families = sum(c.kind == "copies" for c in result.clusters)
    stories = sum(c.kind == "story" for c in result.clusters)
    table.caption = f"{families} copy families, {stories} story clusters, {len(result.skips)} inputs skipped"
    return table
