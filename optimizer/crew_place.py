"""Synchronised insertion of a whole crew: every member at once, on distinct technicians,
all starting within the crew's tolerance.

A few common start times are tried; for each, every member gets the cheapest places whose
start can fall in [start, start + tolerance] (`insert.insertion_costs` with that band in
place of its window), and the cheapest combination on distinct technicians wins. Crews are
small (2-3), so the combinations of each member's few cheapest routes are enumerated.
"""

from __future__ import annotations

import itertools

import numpy as np

from optimizer.insert import INF, insertion_costs
from optimizer.routes import RouteState

STARTS = 8  # earliest common start times tried per crew
LATER = 4  # further start times tried, spread over the later ones
CHOICES = 3  # cheapest routes per member combined (at least one more than its members)


def place_crews(state: RouteState, skip: set[int] | None = None) -> None:
    """Insert every crew not yet on a route (nor in `skip`), the most pressing first."""
    t = state.t
    placed = {j for seq in state.seq for j in seq} | (skip or set())
    deadline = np.minimum(t.hi, t.due)
    order = sorted(range(len(t.crews)), key=lambda k: min(deadline[m] for m in t.crews[k]))
    for k in order:
        if not placed & set(t.crews[k]):
            place_crew(state, k)


def place_crew(state: RouteState, crew: int) -> bool:
    """Insert crew number `crew` (of `state.t.crews`) at its cheapest synchronised places;
    False, with nothing changed, if it fits nowhere."""
    t = state.t
    members, slack = t.crews[crew], t.slack[crew]
    best: tuple[int, int, list[tuple[int, int]]] | None = None
    for at in _common_starts(state, members, slack):
        found = _cheapest(state, members, at, slack)
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], at, found[1])
    if best is None:
        return False
    _, at, where = best
    for m, (v, p) in zip(members, where, strict=True):
        state.band[m] = _band(state, m, at, slack)
        state.seq[v].insert(p, m)
        state.retime(v)
    return True


def _band(state: RouteState, m: int, at: int, slack: int) -> tuple[int, int]:
    return max(at, int(state.t.lo[m])), min(at + slack, int(state.t.hi[m]))


def _earliest(state: RouteState, m: int) -> np.ndarray:
    """Member m's earliest start at every feasible-looking place on its allowed routes."""
    t = state.t
    rs = np.flatnonzero(t.fit[m])
    if not len(rs):
        return np.empty(0, dtype=np.int64)
    width = int(state.n[rs].max()) + 1
    p = np.arange(width)[None, :]
    ok = (p <= state.n[rs][:, None]) & (p >= state.fixed[rs][:, None])
    start = np.maximum(state.end[rs, :width] + t.travel[state.loc[rs, :width], t.loc[m]],
                       t.lo[m])
    return start[ok & (start <= t.hi[m])]


def _common_starts(state: RouteState, members: tuple[int, ...], slack: int) -> list[int]:
    """Start times worth trying: no earlier than every member can be there (less the
    tolerance), the earliest few and a few spread over the later ones."""
    earliest = [_earliest(state, m) for m in members]
    if any(not len(e) for e in earliest):
        return []
    least = max(int(e.min()) for e in earliest) - slack
    found = np.unique(np.concatenate([np.concatenate(earliest) - slack, *earliest]))
    found = found[found >= least]
    later = found[STARTS:]
    spread = later[np.linspace(0, len(later) - 1, LATER).astype(int)] if len(later) else later
    return sorted({int(x) for x in (*found[:STARTS], *spread)})


def _cheapest(state: RouteState, members: tuple[int, ...], at: int, slack: int
              ) -> tuple[int, list[tuple[int, int]]] | None:
    """(cost, (technician, position) per member): the cheapest places starting every
    member within [at, at + slack], on distinct technicians; None if there are none."""
    options = []
    for m in members:
        lo, hi = _band(state, m, at, slack)
        rs = np.flatnonzero(state.t.fit[m])
        if lo > hi or not len(rs):
            return None
        costs = insertion_costs(state, m, rs, (lo, hi))
        best = costs.min(axis=1)
        top = max(CHOICES, len(members) + 1)
        keep = [i for i in np.argsort(best, kind="stable")[:top] if best[i] < INF]
        if not keep:
            return None
        options.append([(int(best[i]), int(rs[i]), int(costs[i].argmin())) for i in keep])
    chosen = None
    for combo in itertools.product(*options):
        if len({v for _, v, _ in combo}) < len(combo):
            continue
        cost = sum(c for c, _, _ in combo)
        if chosen is None or cost < chosen[0]:
            chosen = (cost, [(v, p) for _, v, p in combo])
    return chosen
