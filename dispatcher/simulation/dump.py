"""Write a scenario out as the JSON file format `load_scenario` reads (e.g. a built-in to edit)."""

from __future__ import annotations

from typing import Any

from dispatcher.simulation.scenario import Scenario


def scenario_data(sc: Scenario) -> dict[str, Any]:
    """The scenario as plain JSON-ready data."""
    stream = sc.stream
    tickets: dict[str, Any] = {
        "per_hour": {u.value: r for u, r in stream.per_hour.items()},
        "categories": {u.value: {c.value: w for c, w in ws.items()}
                       for u, ws in stream.categories.items()},
        "service_min": {c.value: m for c, m in stream.service_min.items()},
        "service_spread": stream.service_spread, "travel_spread": stream.travel_spread,
        "booked_ahead": stream.booked_ahead, "window_hours": stream.window_hours,
        "cancel_share": stream.cancel_share,
    }
    if stream.replay is not None:
        tickets["replay"] = str(stream.replay)
    travel: dict[str, Any] = {"model": "geodesic", "speed_kmh": sc.travel.speed_kmh,
                              "circuity": sc.travel.circuity}
    if sc.travel.is_matrix:
        travel = {"model": "matrix", "points": sc.travel.points, "seconds": sc.travel.seconds,
                  "metres": sc.travel.metres}
    return {
        "name": sc.name, "date": sc.day.isoformat(), "timezone": sc.timezone,
        "start": sc.start.isoformat("minutes"), "hours": sc.hours,
        "drain_hours": sc.drain_hours, "max_overtime_min": sc.max_overtime_min,
        "travel": travel, "tickets": tickets,
        "site": [{"id": s.site_id, "name": s.name, "outline": s.outline, "gate": s.gate,
                  "building": [{"name": b.name, "at": [b.lat, b.lon], "floors": b.floors}
                               for b in s.buildings]} for s in sc.sites],
        "technician": [{"name": t.name, "skills": [s.value for s in t.skills],
                        "shift": [t.shift[0].isoformat("minutes"),
                                  t.shift[1].isoformat("minutes")],
                        "home": t.home} for t in sc.technicians],
    }
