"""Copy families (union-find over copy pairs) and story clusters (documents linked by same_story)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from copytrace.document import Kind, Pair


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return [sorted(g) for g in out.values() if len(g) > 1]


@dataclass
class Cluster:
    id: str
    kind: str  # "copies" | "story"
    members: list[str]
    source: str | None

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "members": self.members, "source": self.source}


def families(pairs: Iterable[Pair], kinds: Iterable[Kind]) -> list[list[str]]:
    """Connected components of documents linked by pairs of the given kinds, each sorted, largest first."""
    kinds = frozenset(kinds)
    uf = UnionFind()
    for p in pairs:
        if p.kind in kinds:
            uf.union(p.a, p.b)
    return sorted(uf.groups(), key=lambda g: (-len(g), g[0]))


def build_clusters(pairs: list[Pair], pick_source: Callable[[list[str]], str | None]) -> list[Cluster]:
    """Copy families over every copy kind; story clusters over same_story links, copies included as members.

    A story cluster is reported only when it reaches beyond a single copy family."""
    copy_kinds = [k for k in Kind if k.is_copy]
    copies = families(pairs, copy_kinds)
    out = [Cluster(f"copies-{n}", "copies", g, pick_source(g)) for n, g in enumerate(copies, 1)]
    copy_sets = {frozenset(g) for g in copies}
    if any(p.kind is Kind.SAME_STORY for p in pairs):
        linked = {p.a for p in pairs if p.kind is Kind.SAME_STORY}
        story = [
            g for g in families(pairs, list(Kind)) if frozenset(g) not in copy_sets and not linked.isdisjoint(g)
        ]
        out += [Cluster(f"story-{n}", "story", g, None) for n, g in enumerate(story, 1)]
    return out
