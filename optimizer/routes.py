"""Routes as padded numpy arrays, for fast insertion outside the routing model.

`Tables` holds a snapshot's jobs and technicians as arrays; `RouteState` holds every route's
stops with earliest-start times. Column 0 of each route row is the technician's start (his
location, `available_at`); columns 1..n are his jobs, so "the stop before position p" is
always column p. Times follow `schedule.timed_route`: service starts on arrival or at the
window start, lateness is counted at service start.

Crew members are never inserted or moved one by one here: `Tables.allowed` leaves them out
(`Tables.fit` keeps who may take them, for `optimizer.crew_place`). A route state holds
each planned crew whole, and every member's start within a band (`RouteState.band`) of
the crew's tolerance, so whatever single jobs do around them keeps the crew synchronised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.crews import crews_of, synchronised, tolerance, whole
from optimizer.eligibility import BIG, eligible_matrix, route_cap
from optimizer.params import SolveParams
from optimizer.snapshot import Snapshot

_FIELDS = ("loc", "arr", "start", "end", "lo", "hi", "due", "weight", "skip")


@dataclass(frozen=True)
class Tables:
    """A snapshot's jobs (index j) and technicians (index v) as integer arrays."""

    loc: np.ndarray
    service: np.ndarray
    lo: np.ndarray  # earliest service start (window start, or -BIG)
    hi: np.ndarray  # latest service start (window end, or BIG)
    due: np.ndarray  # soft deadline on the start (BIG when none)
    weight: np.ndarray
    demand: np.ndarray
    quiet: np.ndarray  # no window and a due no route can reach: a delay passes through
    allowed: np.ndarray  # jobs x techs: may this technician take this job
    started: np.ndarray  # per job, the vehicle it is locked first on, or -1
    tech_loc: np.ndarray
    avail: np.ndarray
    shift_end: np.ndarray
    cap: np.ndarray  # latest route end (shift end + maximum overtime)
    home: np.ndarray  # end location, or -1 for an open route
    capacity: np.ndarray
    travel: np.ndarray
    cost: np.ndarray
    overtime_weight: int
    fit: np.ndarray | None = None  # `allowed` with crew members' rows filled (None: no crews)
    crews: tuple[tuple[int, ...], ...] = ()  # job indices of each crew's members
    slack: tuple[int, ...] = ()  # each crew's tolerance


def tables(snapshot: Snapshot, params: SolveParams, rows: Sequence[int] | None = None
           ) -> Tables:
    """Arrays of a snapshot; `allowed` matches the model's vehicle restrictions.

    With `rows`, `allowed` is worked out for those jobs (and started ones) only and is
    all False elsewhere: enough to move those jobs, far cheaper on a big city.
    """
    jobs, techs = snapshot.jobs, snapshot.techs
    allowed = _allowed(snapshot, params, rows)
    started = _lock_started(snapshot, allowed)
    allowed &= _not_locked_out(snapshot)
    groups = crews_of(jobs)
    members = [j for g in groups.values() for j in g]
    fit = allowed.copy() if groups else None
    allowed[members] = False

    def col(values) -> np.ndarray:
        return np.fromiter(values, dtype=np.int64)

    travel = np.asarray(snapshot.travel, dtype=np.int64)
    due = col(BIG if j.due is None else j.due - params.due_margin for j in jobs)
    latest = max((route_cap(t, params) for t in techs), default=0)
    windowless = np.fromiter((j.window is None for j in jobs), dtype=bool, count=len(jobs))
    return Tables(
        loc=col(j.location for j in jobs), service=col(j.service for j in jobs),
        lo=col(j.window[0] if j.window else -BIG for j in jobs),
        hi=col(j.window[1] if j.window else BIG for j in jobs),
        due=due, weight=col(j.late_weight for j in jobs), demand=col(j.demand for j in jobs),
        quiet=windowless & (due >= latest) & ~np.isin(np.arange(len(jobs)), members),
        allowed=allowed, started=started,
        tech_loc=col(t.location for t in techs), avail=col(t.available_at for t in techs),
        shift_end=col(t.shift_end for t in techs),
        cap=col(route_cap(t, params) for t in techs),
        home=col(-1 if t.end_location is None else t.end_location for t in techs),
        capacity=col(BIG if t.capacity is None else t.capacity for t in techs),
        travel=travel,
        cost=travel if snapshot.cost is None else np.asarray(snapshot.cost, dtype=np.int64),
        overtime_weight=params.overtime_weight, fit=fit,
        crews=tuple(tuple(g) for g in groups.values()),
        slack=tuple(tolerance(jobs, g) for g in groups.values()),
    )


def _allowed(snapshot: Snapshot, params: SolveParams, rows: Sequence[int] | None
             ) -> np.ndarray:
    if rows is None:
        return eligible_matrix(snapshot, params)[0]
    some = sorted(set(rows) | {j for j, job in enumerate(snapshot.jobs)
                               if job.started_by or job.crew is not None})
    allowed = np.zeros((len(snapshot.jobs), len(snapshot.techs)), dtype=bool)
    if some:
        few = dataclasses.replace(snapshot, jobs=tuple(snapshot.jobs[j] for j in some))
        allowed[some] = eligible_matrix(few, params)[0]
    return allowed


def allow_rows(t: Tables, snapshot: Snapshot, params: SolveParams, rows: Sequence[int]
               ) -> None:
    """Fill `t.allowed` for these jobs (built with `rows` that left them out), in place;
    started jobs keep their lock, crew members stay out."""
    members = {j for g in t.crews for j in g}  # placed whole, by `optimizer.crew_place`
    rows = [j for j in rows if t.started[j] < 0 and j not in members]
    if rows:
        few = dataclasses.replace(snapshot, jobs=tuple(snapshot.jobs[j] for j in rows))
        t.allowed[rows] = eligible_matrix(few, params)[0] & _not_locked_out(few)


def _lock_started(snapshot: Snapshot, allowed: np.ndarray) -> np.ndarray:
    """Per job, the vehicle it stays first on (-1 if none), as `eligibilities` decides;
    `allowed` is narrowed to that vehicle in place."""
    index = {t.id: v for v, t in enumerate(snapshot.techs)}
    started = np.full(len(snapshot.jobs), -1, dtype=np.int64)
    for j, job in enumerate(snapshot.jobs):
        v = index.get(job.started_by) if job.started_by else None
        if v is not None and allowed[j, v] and v not in started:
            started[j] = v
            allowed[j] = False
            allowed[j, v] = True
    return started


def _not_locked_out(snapshot: Snapshot) -> np.ndarray:
    """A locked technician's route takes only the jobs pinned to (or started by) him."""
    ok = np.ones((len(snapshot.jobs), len(snapshot.techs)), dtype=bool)
    for v, tech in enumerate(snapshot.techs):
        if getattr(tech, "locked", False):
            ok[:, v] = [tech.id in (j.pinned_to, j.started_by) for j in snapshot.jobs]
    return ok


class RouteState:
    """Every technician's job sequence with earliest-start times, as padded arrays.

    Parameters
    ----------
    t : the snapshot's tables.
    sequences : job indices per technician, in order (each must be feasible).
    """

    def __init__(self, t: Tables, sequences: list[list[int]]) -> None:
        self.t = t
        width = max((len(s) for s in sequences), default=0) + 8
        n_techs = len(t.tech_loc)
        self.seq = whole(t.crews, sequences) if t.crews else [list(s) for s in sequences]
        self.band: dict[int, tuple[int, int]] = {}  # crew member -> (earliest, latest) start
        self.n = np.zeros(n_techs, dtype=np.int64)
        self.fixed = np.zeros(n_techs, dtype=np.int64)  # leading stops nothing may precede
        self.finish = t.avail.copy()  # end of the last service
        self.load = np.zeros(n_techs, dtype=np.int64)
        for name in _FIELDS:
            setattr(self, name, np.zeros((n_techs, width), dtype=np.int64))
        for v in range(n_techs):
            self.retime(v)
        if t.crews:
            self._synchronise()

    @property
    def width(self) -> int:
        """Columns of the padded arrays (start column included)."""
        return self.loc.shape[1]

    def retime(self, v: int) -> None:
        """Recompute technician v's row from his sequence.

        `skip[v, c]` is the first column from c on whose job a delay can change (window or
        reachable due), n + 1 if none: a shift passes unchanged over the others.
        """
        t, jobs = self.t, self.seq[v]
        if len(jobs) + 2 > self.width:
            self._grow(len(jobs) + 8)
        row = np.asarray(jobs, dtype=np.int64)
        n = len(jobs)
        self.n[v] = n
        self.loc[v, 0], self.end[v, 0] = t.tech_loc[v], t.avail[v]
        self.loc[v, 1:n + 1] = t.loc[row]
        for name, src in (("lo", t.lo), ("hi", t.hi), ("due", t.due), ("weight", t.weight)):
            getattr(self, name)[v, 1:n + 1] = src[row]
        for c, j in enumerate(jobs if self.band else (), start=1):
            if j in self.band:
                self.lo[v, c], self.hi[v, c] = self.band[j]
        arrivals, starts, self.finish[v] = self._walk(v, jobs, self.lo[v, 1:n + 1])
        self.arr[v, 1:n + 1], self.start[v, 1:n + 1] = arrivals, starts
        self.end[v, 1:n + 1] = np.asarray(starts, dtype=np.int64) + t.service[row]
        after = n + 1
        for c in range(n, 0, -1):
            after = after if t.quiet[jobs[c - 1]] else c
            self.skip[v, c] = after
        self.skip[v, n + 1] = n + 1
        self.load[v] = int(t.demand[row].sum()) if n else 0
        self.fixed[v] = 1 if n and t.started[jobs[0]] == v else 0

    def _walk(self, v: int, jobs: list[int], lo, ready: dict[int, int] | None = None
              ) -> tuple[list[int], list[int], int]:
        """(arrivals, starts, end of the last service) of `jobs` on v's route, each start no
        earlier than `lo` and each arrival than `ready`."""
        t, ready = self.t, ready or {}
        now, where = int(t.avail[v]), int(t.tech_loc[v])
        arrivals, starts = [], []
        for j, low in zip(jobs, lo, strict=True):
            arrival = max(now + int(t.travel[where, t.loc[j]]), ready.get(j, -BIG))
            start = max(arrival, int(low))
            arrivals.append(arrival)
            starts.append(start)
            now, where = start + int(t.service[j]), int(t.loc[j])
        return arrivals, starts, now

    def _synchronise(self) -> None:
        """Give each planned crew its band: its members' earliest synchronised starts
        (`crews.synchronised`) lie in [L, L + tolerance]; crews that cannot be synchronised
        (crossed, or a wait breaking a window or the cap) are taken off."""
        t = self.t
        while True:
            placed = {j for seq in self.seq for j in seq}
            crews = [(g, s) for g, s in zip(t.crews, t.slack, strict=True) if g[0] in placed]
            members = {m for g, _ in crews for m in g}
            holders = [v for v, seq in enumerate(self.seq) if members & set(seq)]
            found = synchronised([g for g, _ in crews], [s for _, s in crews],
                                 lambda ready, on=holders: self._starts(on, ready))
            bad = self._unsynced(holders, crews, found)
            if not bad:
                break
            for v in holders:
                self.seq[v] = [j for j in self.seq[v] if j not in bad]
                self.retime(v)
        for g, slack in crews:
            least = min(found[1][m] for m in g)  # type: ignore[index]
            self.band.update({m: (max(least, int(t.lo[m])), min(least + slack, int(t.hi[m])))
                              for m in g})
        for v in holders:
            self.retime(v)

    def _starts(self, holders: list[int], ready: dict[int, int]) -> dict[int, int]:
        out = {}
        for v in holders:
            jobs = self.seq[v]
            out.update(zip(jobs, self._walk(v, jobs, self.t.lo[jobs], ready)[1], strict=True))
        return out

    def _unsynced(self, holders: list[int], crews, found) -> set[int]:
        """Members of the crews to take off: all when `found` is None, else those on a route
        whose synchronised times break a window or the cap."""
        if found is None:
            return {m for g, _ in crews for m in g}
        t, bad = self.t, set()
        for v in holders:
            jobs = self.seq[v]
            _, starts, end = self._walk(v, jobs, t.lo[jobs], found[0])
            home = int(t.travel[t.loc[jobs[-1]], t.home[v]]) if t.home[v] >= 0 else 0
            if end + home > t.cap[v] or any(s > t.hi[j] for j, s in zip(jobs, starts,
                                                                         strict=True)):
                bad |= {m for g, _ in crews for m in g if m in jobs}
        return {m for g, _ in crews if set(g) & bad for m in g}

    def keep_whole(self) -> None:
        """Take off the members of every crew a removal left incomplete."""
        kept = whole(self.t.crews, self.seq)
        for v, seq in enumerate(kept):
            if seq != self.seq[v]:
                self.seq[v] = seq
                self.retime(v)

    def insert(self, v: int, position: int, j: int) -> None:
        """Put job j on technician v's route before his `position`-th job (0-based)."""
        self.seq[v].insert(position, j)
        self.retime(v)

    def remove(self, v: int, j: int) -> None:
        """Take job j off technician v's route."""
        self.seq[v].remove(j)
        self.retime(v)

    def _grow(self, width: int) -> None:
        for name in _FIELDS:
            old = getattr(self, name)
            new = np.zeros((old.shape[0], width), dtype=np.int64)
            new[:, : old.shape[1]] = old
            setattr(self, name, new)
