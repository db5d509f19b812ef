"""Is a check-in where the ticket is? Near its point, or inside its site's outline (shapely)."""

from __future__ import annotations

from dataclasses import dataclass

from geopy.distance import geodesic
from shapely.geometry import Point, Polygon


@dataclass(frozen=True)
class Verdict:
    distance_m: float  # from the ticket's own location
    inside_site: bool | None  # within the site polygon (None: the site has no outline)
    inside: bool  # accepted as on site: within the radius, or inside the site


def judge(*, ticket: tuple[float, float], fix: tuple[float, float], radius_m: float,
          outline: list[list[float]] | None) -> Verdict:
    """Judge a fix (lat, lon) against a ticket's point and its site outline ([lon, lat] ring)."""
    distance = geodesic(ticket, fix).meters
    inside_site = None
    if outline:
        inside_site = Polygon(outline).covers(Point(fix[1], fix[0]))
    return Verdict(round(distance, 1), inside_site, distance <= radius_m or bool(inside_site))
