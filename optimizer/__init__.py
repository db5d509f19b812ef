"""Pure routing core: a `Snapshot` in, a `Plan` out. No database, Redis or HTTP below this line."""

from optimizer.model import SolveParams, solve
from optimizer.plan import Objective, Plan, Route, Stop, Unassigned
from optimizer.snapshot import Job, Snapshot, Tech

__all__ = [
    "Job",
    "Objective",
    "Plan",
    "Route",
    "Snapshot",
    "SolveParams",
    "Stop",
    "Tech",
    "Unassigned",
    "solve",
]
