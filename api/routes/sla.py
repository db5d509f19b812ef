"""The SLA policy in force, for the console's intake form (suggested urgency and skill)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter

from api.deps import EngineDep, StaffUser

router = APIRouter(prefix="/sla", tags=["sla"])


def _level(level: Any) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(level).items() if v is not None}


@router.get("/policy")
def get_policy(engine: EngineDep, _: StaffUser) -> dict[str, Any]:
    """Levels by urgency, category rules on top of them, and each category's defaults."""
    policy = engine.policy
    return {
        "urgencies": {u.value: _level(level) for u, level in policy.levels.items()},
        "rules": [{"urgency": u.value if u else None, "category": c.value, **_level(level)}
                  for u, c, level in policy.rules],
        "categories": {c.value: {"skill": d.skill.value, "service_min": d.service_min}
                       for c, d in policy.categories.items()},
    }
