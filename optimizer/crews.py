"""Crew tickets: several technicians on site together, planned as one synchronised visit.

A ticket that needs N technicians is N `Job` rows sharing `Job.crew` (see `Job`). Whatever
builds routes keeps a crew whole: its N members on N distinct technicians whose service
starts lie within `Job.crew_tolerance` of each other, or none of them planned.

Timing: a member's start is the earliest one that is no earlier than its partners' starts
minus the tolerance; the earlier technician leaves later (his arrival moves, not only his
start), so arrivals are within the tolerance too. `synchronised` finds that least schedule
by a fixed point over the routes, the way the routing model's time dimension, with a
difference constraint between the members' cumuls, sees it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING

from ortools.constraint_solver import pywrapcp

from optimizer.snapshot import Job, Snapshot

if TYPE_CHECKING:
    from optimizer.eligibility import Eligibility

SEPARATOR = "#"
_MEMBER = re.compile(rf"{SEPARATOR}\d+$")


def member_id(ticket: str, k: int) -> str:
    """Job id of the k-th (1-based) member of a crew ticket: ``T17``, ``T17#2``..."""
    return ticket if k == 1 else f"{ticket}{SEPARATOR}{k}"


def ticket_of(job_id: str) -> str:
    """The ticket a job id belongs to: ``T17#2`` -> ``T17``, ``T17`` -> ``T17`` (so job ids
    of one-person tickets must not end in ``#`` and digits)."""
    return _MEMBER.sub("", job_id)


def member_of(job_id: str) -> int:
    """Which member of its ticket's crew a job is: ``T17#2`` -> 2, ``T17`` -> 1."""
    return int(job_id.rsplit(SEPARATOR, 1)[1]) if job_id != ticket_of(job_id) else 1


def is_lead(job: Job) -> bool:
    """Whether the job is a one-person job or the member of a crew that carries its ticket id."""
    return job.crew is None or job.id == job.crew


def crews_of(jobs: Sequence[Job]) -> dict[str, list[int]]:
    """Crew id -> indices of its members among `jobs`, in order; one-person jobs left out."""
    found: dict[str, list[int]] = {}
    for j, job in enumerate(jobs):
        if job.crew is not None:
            found.setdefault(job.crew, []).append(j)
    return found


def members_of(jobs: Sequence[Job]) -> dict[int, list[int]]:
    """Job index -> indices of every member of its crew (itself included), crews only."""
    return {j: members for members in crews_of(jobs).values() for j in members}


def validate(jobs: Sequence[Job]) -> None:
    """Fail fast on a crew without a member carrying its id or with a negative tolerance."""
    for crew, members in crews_of(jobs).items():
        if not any(jobs[j].id == crew for j in members):
            raise ValueError(f"crew {crew}: one member's id must be the crew id")
        if any(jobs[j].crew_tolerance < 0 for j in members):
            raise ValueError(f"crew {crew}: crew_tolerance must be >= 0")


def tolerance(jobs: Sequence[Job], members: Sequence[int]) -> int:
    """The crew's tolerance: the strictest its members give."""
    return min(jobs[j].crew_tolerance for j in members)


def staffed(allowed: Sequence[Sequence[bool]]) -> int:
    """Most members that can go together, one technician each: a maximum matching of
    members (rows) to technicians (columns), by augmenting paths (crews are small)."""
    owner: dict[int, int] = {}

    def augment(m: int, seen: set[int]) -> bool:
        for v, ok in enumerate(allowed[m]):
            if ok and v not in seen:
                seen.add(v)
                if v not in owner or augment(owner[v], seen):
                    owner[v] = m
                    return True
        return False

    return sum(augment(m, set()) for m in range(len(allowed)))


def shortfalls(snapshot: Snapshot, allowed: Sequence[Sequence[bool]]) -> dict[int, str]:
    """Job index -> why its crew cannot be planned at all, for every member of such a crew:
    too few distinct allowed technicians (`allowed`: jobs x techs), or appointment windows
    further apart than the tolerance."""
    jobs, found = snapshot.jobs, {}
    for members in crews_of(jobs).values():
        reason = _shortfall(jobs, members, [allowed[j] for j in members])
        found.update(dict.fromkeys(members, reason) if reason else {})
    return found


def _shortfall(jobs: Sequence[Job], members: list[int], rows) -> str | None:
    n, can = len(members), staffed(rows)
    if can < n:
        skills = " + ".join(jobs[j].skill for j in members)
        return f"needs {n} technicians with skills {skills} on site together; {can} qualified"
    windows = [jobs[j].window for j in members if jobs[j].window is not None]
    if windows and max(w[0] for w in windows) - min(w[1] for w in windows) > tolerance(
            jobs, members):
        return "its members' appointment windows are too far apart to be on site together"
    return None


def whole(groups: Sequence[Sequence[int]], sequences: Sequence[Sequence[int]]
          ) -> list[list[int]]:
    """`sequences` (job indices per technician) without the members of every crew (`groups`
    of job indices) that is not whole: each member planned once, all of them, on distinct
    technicians."""
    where: dict[int, list[int]] = {}
    for v, seq in enumerate(sequences):
        for j in seq:
            where.setdefault(j, []).append(v)
    broken: set[int] = set()
    for members in groups:
        techs = [where.get(j, []) for j in members]
        ok = all(len(t) == 1 for t in techs) and len({t[0] for t in techs}) == len(members)
        if not ok:
            broken.update(members)
    return [[j for j in seq if j not in broken] for seq in sequences]


def with_partners(snapshot: Snapshot, routes: Mapping[str, Sequence[str]],
                  techs: Sequence[int]) -> list[int]:
    """`techs` and, again and again, the technicians whose routes hold a partner of a crew
    member on one of theirs: a neighbourhood that re-plans a crew re-plans all of it."""
    owner = _owners(snapshot, routes)
    members = members_of(snapshot.jobs)
    ids = {job.id: j for j, job in enumerate(snapshot.jobs)}
    found, todo = set(techs), list(techs)
    while todo:
        v = todo.pop()
        for x in routes.get(snapshot.techs[v].id, ()):
            for m in members.get(ids.get(x, -1), ()):
                u = owner.get(m)
                if u is not None and u not in found:
                    found.add(u)
                    todo.append(u)
    return sorted(found)


def closed(snapshot: Snapshot, routes: Mapping[str, Sequence[str]], techs: Sequence[int],
           jobs: Sequence[int]) -> tuple[list[int], list[int]]:
    """(techs, jobs) of a part that splits no crew: technicians holding a member whose
    partner is on a route outside the part leave it with their jobs, and crews with a
    member outside `jobs` are left out. It only shrinks, so parts cut side by side from
    disjoint technicians and jobs stay disjoint."""
    owner = _owners(snapshot, routes)
    members = members_of(snapshot.jobs)
    ids = {job.id: j for j, job in enumerate(snapshot.jobs)}
    keep, held = set(techs), {v: [ids[x] for x in routes.get(snapshot.techs[v].id, ())
                                  if x in ids] for v in techs}
    while True:
        out = {v for v in keep for j in held[v] for m in members.get(j, ())
               if owner.get(m, v) not in keep}
        if not out:
            break
        keep -= out
    gone = {j for v in set(techs) - keep for j in held[v]}
    chosen = set(jobs) - gone
    chosen -= {j for j in chosen if any(m not in chosen for m in members.get(j, ()))}
    return sorted(keep), sorted(chosen)


def _owners(snapshot: Snapshot, routes: Mapping[str, Sequence[str]]) -> dict[int, int]:
    """Crew member index -> index of the technician whose route holds it."""
    vehicle = {t.id: v for v, t in enumerate(snapshot.techs)}
    ids = {job.id: j for j, job in enumerate(snapshot.jobs) if job.crew is not None}
    return {ids[x]: vehicle[tech] for tech, seq in routes.items() if tech in vehicle
            for x in seq if x in ids}


def synchronised(groups: Sequence[Sequence[Hashable]], tolerances: Sequence[int],
                 starts: Callable[[dict], dict]) -> tuple[dict, dict] | None:
    """(ready, start): the earliest schedule in which each group's members start within its
    tolerance, None if there is none (two crews crossed on two routes).

    `starts(ready)` gives each member's earliest service start when it may not arrive
    before `ready[member]`; `ready` grows to the latest partner's start minus the
    tolerance until nothing moves. Each round carries a delay one crew further, so a
    schedule that still moves after one round per member never settles. In the end every
    member's `ready` is that bound, which moves no start but keeps a member who would wait
    on site for a window from arriving long before his partners.
    """
    ready: dict[Hashable, int] = {}
    for _ in range(sum(len(g) for g in groups) + 2):
        start, moved = starts(ready), False
        for members, slack in zip(groups, tolerances, strict=True):
            least = max(start[m] for m in members) - slack
            for m in members:
                moved |= start[m] < least
                ready[m] = max(ready.get(m, least), least)
        if not moved:
            return ready, start
    return None


def add_crew_constraints(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager,
                         time_dim: pywrapcp.RoutingDimension, snapshot: Snapshot,
                         eligible: Sequence[Eligibility]) -> None:
    """Members of each plannable crew: all performed or none, on distinct technicians,
    service starts (time cumuls) within the tolerance. A started member stays first on its
    technician's route when performed; it is droppable with its crew (forcing it would make
    the whole model infeasible when its partners cannot come)."""
    solver = routing.solver()
    for members in crews_of(snapshot.jobs).values():
        if any(not eligible[j].vehicles for j in members):
            continue  # unplannable: every member's vehicle is -1 already
        nodes = [manager.NodeToIndex(j) for j in members]
        for a, b in itertools.pairwise(nodes):
            solver.Add(routing.ActiveVar(a) == routing.ActiveVar(b))
        solver.Add(solver.AllDifferentExcept([routing.VehicleVar(i) for i in nodes], -1))
        slack = tolerance(snapshot.jobs, members)
        for a, b in itertools.permutations(nodes, 2):
            solver.Add(time_dim.CumulVar(a) - time_dim.CumulVar(b) <= slack)
        for j, node in zip(members, nodes, strict=True):
            v = eligible[j].started
            if v is not None:
                first = solver.IsEqualCstVar(routing.NextVar(routing.Start(v)), node)
                solver.Add(routing.ActiveVar(node) == first)
