"""The index: a corpus kept on disk (segments, manifest, text store) that copytrace adds to, queries and removes from."""
from copytrace.index.index import AddResult, Index
from copytrace.segments import NotAnIndex

__all__ = ["AddResult", "Index", "NotAnIndex"]
