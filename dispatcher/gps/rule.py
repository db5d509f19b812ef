"""When a GPS fix asks for a re-plan.

The planner's snapshot puts a technician where his last fix had him, except on site (at the
ticket) and driving to a ticket he started (that ticket stays first on his route; see
`planning.incremental._tech_key`). So a fix matters only when it moves him noticeably. His
*anchor* is the fix of his last re-plan request (before any, his stored position); the newest
fix of a batch asks for a re-plan, in this order, when:

1. he has no anchor: no position yet, the plan had him at his home base ("first fix");
2. never while he is on site;
3. he is more than `distance_m` from his anchor ("moved");
4. he drives to a ticket he started and his anchor is `retime_s` old ("driving": his ETAs are
   re-timed from where he is).

A batch asks at most once per region, however many of its fixes matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatcher.enums import Status
from dispatcher.gps.store import LiveFix

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class ReplanRule:
    """The thresholds of the rule above (`DISPATCH_GPS_REPLAN_DISTANCE_M`, `..._RETIME_S`)."""

    distance_m: float
    retime_s: float

    def reason(self, fix: LiveFix, anchor: LiveFix | None, hand: Status | None) -> str | None:
        """Why `fix` asks for a re-plan, or None when the current plan still holds."""
        if anchor is None:
            return "first fix"
        if hand is Status.on_site:
            return None
        if metres(anchor, fix) > self.distance_m:
            return "moved"
        if hand is Status.en_route and (fix.at - anchor.at).total_seconds() >= self.retime_s:
            return "driving"
        return None


def metres(a: LiveFix, b: LiveFix) -> float:
    """Great-circle distance (haversine): cheap, and exact enough for a threshold."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
