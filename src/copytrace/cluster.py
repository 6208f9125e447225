"""Copy families (union-find over copy pairs) and story clusters (documents linked by same_story); and, before them,
the corpus-wide settling of translations that match several reports of their story."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from copytrace.classify import as_same_story
from copytrace.config import DEFAULTS, ClassifyConfig
from copytrace.document import Cluster, Kind, Pair


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


def _side(pair: Pair, doc_id: str) -> tuple[list[tuple[int, int]], float]:
    """The character spans a pair's passages hold in one of its texts, and that text's coverage."""
    if pair.a == doc_id:
        return [p.a for p in pair.passages], pair.coverage_a
    return [p.b for p in pair.passages], pair.coverage_b


def _mean_score(pair: Pair, doc_id: str) -> float:
    spans, _ = _side(pair, doc_id)
    weights = np.array([max(e - s, 1) for s, e in spans], float)
    return float(np.average([p.score for p in pair.passages], weights=weights)) if len(weights) else 0.0


def _overlap(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> float:
    """Share of the spans' characters inside any of the other spans."""
    total = sum(e - s for s, e in spans)
    inside = sum(max(0, min(e, oe) - max(s, os_)) for s, e in spans for os_, oe in others)
    return inside / total if total else 0.0


def settle_competing_translations(
    found: list[tuple[int, int, Pair]], langs: list[str | None], config: ClassifyConfig = DEFAULTS.classify
) -> list[tuple[int, int, Pair]]:
    """A translation has one source: of partners in one language that are not copies of one another and explain
    the same stretch of it, those matching clearly worse than the best are reports of the same story
    (competing_overlap, competing_margin). Only for the side a pair explains (its coverage at least the partner's):
    a source translated twice keeps both translations. Nor are two translations of two such reports translations
    of each other (_joining_translations)."""
    copies = {frozenset((i, j)) for i, j, p in found if p.kind.is_copy}
    by_doc: dict[int, list[int]] = {}
    for n, (i, j, pair) in enumerate(found):
        if pair.kind is Kind.TRANSLATION:
            by_doc.setdefault(i, []).append(n)
            by_doc.setdefault(j, []).append(n)
    demoted: set[int] = set()
    for d, rows in by_doc.items():
        if len(rows) < 2:
            continue
        entries = []
        for n in rows:
            i, j, pair = found[n]
            partner = j if i == d else i
            doc_id = pair.a if i == d else pair.b
            spans, cover = _side(pair, doc_id)
            _, partner_cover = _side(pair, pair.b if i == d else pair.a)
            if cover >= partner_cover:
                entries.append((_mean_score(pair, doc_id), n, partner, spans))
        entries.sort(key=lambda e: -e[0])
        for k, (score, n, partner, spans) in enumerate(entries):
            for best_score, _, best_partner, best_spans in entries[:k]:
                if (score < best_score - config.competing_margin and langs[partner] == langs[best_partner]
                        and frozenset((partner, best_partner)) not in copies
                        and _overlap(spans, best_spans) >= config.competing_overlap):
                    demoted.add(n)
                    break
    demoted |= _joining_translations(found, langs, copies)
    return [(i, j, as_same_story(p)) if n in demoted else (i, j, p) for n, (i, j, p) in enumerate(found)]


def _joining_translations(found: list[tuple[int, int, Pair]], langs: list[str | None], copies: set[frozenset]
                          ) -> set[int]:
    """Translations between two documents X and Y that each have a translation partner of their own in a third
    language, P of X and Q of Y, where neither P and Q, P and Y, nor Q and X are copies: a translation has one
    source, so X and Y render two texts that are not copies of one another (two outlets' reports of one event,
    translated into two languages). A source translated twice is a partner of both translations, P = Q."""
    partners: dict[int, set[int]] = defaultdict(set)
    for i, j, pair in found:
        if pair.kind is Kind.TRANSLATION:
            partners[i].add(j)
            partners[j].add(i)
    joining = set()
    for n, (i, j, pair) in enumerate(found):
        if pair.kind is not Kind.TRANSLATION:
            continue
        if any(p != q and langs[p] == langs[q] and langs[p] not in (langs[i], langs[j])
               and not {frozenset((p, q)), frozenset((p, j)), frozenset((q, i))} & copies
               for p in partners[i] - {j} for q in partners[j] - {i}):
            joining.add(n)
    return joining
