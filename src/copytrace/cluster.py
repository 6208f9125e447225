"""Copy families (union-find over copy pairs) and story clusters (documents linked by same_story)."""
from __future__ import annotations

from collections import Counter, defaultdict
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


def family_source(members: list[str], pairs: list[Pair], fallback: Callable[[list[str]], str | None]) -> str | None:
    """The member its family's pairs most often name as the original; the fallback's pick when none does.
    A member named the copy in some pair (a derived text) is never the family's original."""
    inside = set(members)
    votes: Counter[str] = Counter()
    derived: set[str] = set()
    for p in pairs:
        if p.source and p.a in inside and p.b in inside and p.kind.is_copy:
            votes[p.source] += 1
            derived.add(p.b if p.source == p.a else p.a)
    ranked = [m for m, _ in votes.most_common() if m not in derived]
    return ranked[0] if ranked else fallback([m for m in members if m not in derived] or members)


def build_clusters(pairs: list[Pair], pick_source: Callable[[list[str]], str | None]) -> list[Cluster]:
    """Copy families over every copy kind; story clusters over same_story links, copies included as members.

    A family's source is the member its pairs name most often as original (pick_source decides when none is
    named). A story cluster is reported only when it reaches beyond a single copy family."""
    copy_kinds = [k for k in Kind if k.is_copy]
    copies = families(pairs, copy_kinds)
    by_member: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_member[p.a].append(p)
    out = [
        Cluster(f"copies-{n}", "copies", g, family_source(g, [p for m in g for p in by_member[m]], pick_source))
        for n, g in enumerate(copies, 1)
    ]
    copy_sets = {frozenset(g) for g in copies}
    if any(p.kind is Kind.SAME_STORY for p in pairs):
        linked = {p.a for p in pairs if p.kind is Kind.SAME_STORY}
        story = [
            g for g in families(pairs, list(Kind)) if frozenset(g) not in copy_sets and not linked.isdisjoint(g)
        ]
        out += [Cluster(f"story-{n}", "story", g, None) for n, g in enumerate(story, 1)]
    return out
