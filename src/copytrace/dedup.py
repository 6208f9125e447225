"""A corpus less its copies: one document kept per copy family, each drop with its reason and its keeper, each
skipped record with its reason (kept + dropped + skipped = input)."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from copytrace.classify import is_partial_copy
from copytrace.cluster import families, family_source
from copytrace.document import FAMILY_KINDS, Kind, Pair
from copytrace.config import DEFAULTS, ClassifyConfig, ScanConfig
from copytrace.engine.local import ScanResult, scan_documents
from copytrace.index import Index
from copytrace.origin import cleanest_longest
from copytrace.read import read_inputs
from copytrace.write.atomic import check_writable, write_jsonl
from copytrace.write.corpus import RecordSpill, output_format, write_corpus
from copytrace.write.report import TextSpool


@dataclass(frozen=True)
class Drop:
    id: str
    kept: str
    kind: Kind
    reason: str

    def to_json(self) -> dict:
        return {"id": self.id, "kept": self.kept, "kind": self.kind.value, "reason": self.reason}


def _link(pairs_by_doc: dict[str, list[Pair]], doc: str, kept: str, kinds) -> Pair | None:
    """The pair that ties doc to the kept document, else the strongest pair tying it into the family."""
    mine = [p for p in pairs_by_doc.get(doc, []) if p.kind in kinds]
    direct = [p for p in mine if kept in (p.a, p.b)]
    return max(direct or mine, key=lambda p: p.score, default=None)


def plan_drops(
    result: ScanResult, drop_partial_above: float | None = None, kinds=FAMILY_KINDS, held: frozenset[str] = frozenset(),
    config: ClassifyConfig = DEFAULTS.classify,
) -> list[Drop]:
    """One document kept per family of `kinds` copies: the one its pairs name as original (dates, containment,
    rewriting artefacts), else the earliest dated, else the cleanest, longest text. Documents `held` (kept before,
    in an index) are never dropped, and a family holding one keeps it: the new copies are dropped.

    Partial copies (classify.is_partial_copy: verbatim, or disguised passages inside otherwise different texts)
    make no family and are kept, unless drop_partial_above is given: then a document whose own side of a partial
    pair is at least that much inside a kept document is dropped too."""
    evidence = {d.id: d.evidence for d in result.documents}
    partial = [p for p in result.pairs if is_partial_copy(p, config)]
    whole = [p for p in result.pairs if not is_partial_copy(p, config)]
    pairs_by_doc: dict[str, list[Pair]] = {}
    for p in whole:
        pairs_by_doc.setdefault(p.a, []).append(p)
        pairs_by_doc.setdefault(p.b, []).append(p)
    drops: dict[str, Drop] = {}
    for family in families(whole, kinds):
        family_pairs = [p for m in family for p in pairs_by_doc.get(m, []) if p.a == m]
        kept_before = [m for m in family if m in held]
        if kept_before:
            kept = cleanest_longest([evidence[m] for m in kept_before])
        else:
            kept = family_source(family, family_pairs, lambda ms: cleanest_longest([evidence[m] for m in ms]))
        for doc in family:
            if doc == kept or doc in held:
                continue
            link = _link(pairs_by_doc, doc, kept, kinds)
            reason = f"{link.kind.value} of {kept}" + ("" if kept in (link.a, link.b) else f" (via {link.b if link.a == doc else link.a})")
            drops[doc] = Drop(doc, kept, link.kind, reason)
    if drop_partial_above is not None:
        for p in sorted(partial, key=lambda p: -p.score):
            keeper = p.source or cleanest_longest([evidence[p.a], evidence[p.b]])
            doc, cov = (p.b, p.coverage_b) if keeper == p.a else (p.a, p.coverage_a)
            if cov >= drop_partial_above and doc not in drops and keeper not in drops and doc not in held:
                drops[doc] = Drop(doc, keeper, p.kind, f"{cov:.0%} of it is inside {keeper}")
    return sorted(drops.values(), key=lambda d: d.id)


@dataclass
class DedupResult:
    """How many input records were kept, dropped as copies and skipped (they add up to the input), and the scan."""

    kept: int
    dropped: int
    skipped: int
    scan: ScanResult
    drops: list[Drop] = field(default_factory=list)


def sidecar_paths(out: str | Path) -> tuple[Path, Path]:
    """Where dedup writes what it dropped and what it skipped, beside the corpus."""
    return Path(f"{out}.dropped.jsonl"), Path(f"{out}.skipped.jsonl")


def dedup(
    inputs: Iterable[str | Path], out: str | Path, config: ScanConfig = ScanConfig(),
    drop_partial_above: float | None = None, index: str | Path | None = None, add: bool = True,
    texts: TextSpool | None = None,
) -> DedupResult:
    """Write the inputs less their copies to `out`, in the format they came in (or the one `out`'s name says:
    .jsonl[.gz], .parquet, .csv/.tsv), every record whole (a value the output cannot hold makes its record a
    skip: write.corpus); `out`.dropped.jsonl (id, kept, kind, reason) and
    `out`.skipped.jsonl (record, id, reason). The corpus is read once (see RecordSpill).

    With an `index` (copytrace.Index), the inputs are deduplicated against everything it holds as well: a copy of
    an indexed document is dropped, and the documents kept are added to the index (unless not `add`); an id the
    index already holds is a skip.

    Raises OutputError, before reading anything, if `out` cannot be written; InputError for a missing input;
    index.NotAnIndex for a folder that is not an index.

    `texts` (write.report.TextSpool) keeps the texts read, for a report of the result.

    `config.work_dir` keeps the scan's finished work (engine.workdir): a dedup killed and run again with the same
    folder resumes its scan and writes what an uninterrupted one writes. Not with an `index` (ValueError): an add to
    an index is committed whole or not at all."""
    if index is not None and config.work_dir:
        raise ValueError("a work folder resumes the scan of a dedup without an index, not one against an index")
    inputs, out = [str(p) for p in inputs], Path(out)
    dropped_path, skipped_path = sidecar_paths(out)
    for target in (out, dropped_path, skipped_path):  # before reading: a bad --out must not cost a whole scan
        check_writable(target)
    with RecordSpill(config.fields, output_format(out, inputs), config.temp_dir) as spill:
        documents = read_inputs(inputs, config.fields, config.thresholds.read.min_document_words)
        if texts is not None:
            documents = texts.keeping(documents)
        held: set[str] = set()
        if index is None:
            result = scan_documents(spill.passing(documents), config)
            drops = plan_drops(result, drop_partial_above, config=config.thresholds.classify)
        else:
            result, drops, held = _against_index(Index(index, config), spill.passing(documents), drop_partial_above,
                                                 add, config.thresholds.classify)
        left_out = {d.id for d in drops} | held
        kept, unwritten = write_corpus(spill, out, left_out, (config.fields.id, config.fields.text))
    for skip in unwritten:  # (a value the output cannot hold, found only once the output's types are known)
        print(skip, file=sys.stderr)
    skips = result.skips + unwritten
    write_jsonl(dropped_path, (d.to_json() for d in drops))
    write_jsonl(skipped_path, (s.to_json() for s in skips))
    return DedupResult(kept, len(drops), len(skips), result, drops)


def _against_index(
    index: Index, documents: Iterable, drop_partial_above: float | None, add: bool,
    config: ClassifyConfig = DEFAULTS.classify,
) -> tuple[ScanResult, list[Drop], set[str]]:
    """The new documents related to each other and to the index's; the drops planned with the index's documents
    held; the kept ones committed to the index (the dropped ones committed removed), unless not `add`. Also the
    ids the index held already (skipped, so not written either)."""
    planned: list[Drop] = []

    def drop(found: ScanResult, held: frozenset[str]) -> list[str]:
        planned.extend(plan_drops(found, drop_partial_above, held=held, config=config))
        return [d.id for d in planned]

    done = index.add(documents, drop=drop, commit=add)
    found = done.found or ScanResult([], [], [], done.skipped)
    return found, planned, set(done.already_held)

