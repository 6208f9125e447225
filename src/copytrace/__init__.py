"""copytrace: find every copy of a text in a corpus, however disguised, say how each was made, trace it to its source.

    from copytrace import scan, compare_texts, ScanConfig
    result = scan(["corpus/"])            # documents, pairs, clusters, skips
    pair = compare_texts(original, suspect)  # a Pair with kind, coverage and passages, or None
    dedup(["corpus.jsonl"], "deduped.jsonl")  # the corpus less its copies; kept, dropped, skipped counts
"""
from copytrace.compare import compare_documents, compare_texts
from copytrace.dedup import DedupResult, Drop, dedup, plan_drops
from copytrace.document import Document, Kind, Pair, Passage, Skip
from copytrace.config import ScanConfig, Thresholds
from copytrace.engine.local import ScanResult, scan, scan_documents
from copytrace.index import Index
from copytrace.read import InputError, RecordFields, read_inputs
from copytrace.write.atomic import OutputError

__all__ = [
    "DedupResult", "Document", "Drop", "Index", "InputError", "Kind", "OutputError", "Pair", "Passage", "RecordFields",
    "ScanConfig", "ScanResult", "Skip", "Thresholds",
    "compare_documents", "compare_texts", "dedup", "plan_drops", "read_inputs", "scan", "scan_documents",
]
__version__ = "0.1.0"
