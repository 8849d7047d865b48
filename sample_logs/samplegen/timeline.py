"""Small interval helpers for the simulated day (all times are elapsed-realtime ms)."""

from __future__ import annotations

from collections.abc import Iterable


def union(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching intervals."""
    out: list[list[int]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total(intervals: Iterable[tuple[int, int]]) -> int:
    return sum(e - s for s, e in intervals)


def overlap(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> int:
    """Total length of the intersection of two interval lists (each disjoint, any order)."""
    a = sorted(a)
    b = sorted(b)
    i = j = 0
    out = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if e > s:
            out += e - s
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[tuple[int, int]], b: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Parts of the intervals `a` not covered by `b`."""
    b = union(b)
    out = []
    for s, e in sorted(a):
        cur = s
        for bs, be in b:
            if be <= cur or bs >= e:
                continue
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
            if cur >= e:
                break
        if cur < e:
            out.append((cur, e))
    return out


def inside(t: int, intervals: Iterable[tuple[int, int]]) -> bool:
    return any(s <= t < e for s, e in intervals)
