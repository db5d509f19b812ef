"""Travel times between WGS84 points, as integer seconds, computed a whole matrix at a time."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from geopy.distance import geodesic

# WGS84 ellipsoid.
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


class TravelTimes(Protocol):
    """Anything that gives a travel-time matrix (seconds) and distances (metres) between points."""

    def matrix(self, points: np.ndarray) -> np.ndarray:
        """Seconds from each of `points` (n x 2 array of lat, lon) to each other; int64 (n x n)."""
        ...

    def distance_m(self, points: np.ndarray) -> np.ndarray:
        """Road metres between each pair of `points`; float (n x n)."""
        ...

    def between(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Seconds from each origin to each destination; int64 (len(origins) x len(dest.))."""
        ...


def ellipsoidal_distance_m(points: np.ndarray, others: np.ndarray | None = None) -> np.ndarray:
    """Distances in metres on the WGS84 ellipsoid, vectorised: pairwise, or `points` x `others`.

    Uses the meridian and prime-vertical radii of curvature at each pair's mid-latitude: within
    0.1 % of geopy's geodesic (Karney) up to ~100 km, the scale of a city, at numpy speed.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    dst = pts if others is None else np.asarray(others, dtype=float).reshape(-1, 2)
    lat, lon = np.radians(pts[:, 0]), np.radians(pts[:, 1])
    lat2, lon2 = np.radians(dst[:, 0]), np.radians(dst[:, 1])
    mid = (lat[:, None] + lat2[None, :]) / 2
    sin2 = np.sin(mid) ** 2
    w = np.sqrt(1 - _E2 * sin2)
    meridian = _A * (1 - _E2) / w**3
    normal = _A / w
    dlat = lat2[None, :] - lat[:, None]
    dlon = lon2[None, :] - lon[:, None]
    dlon = (dlon + np.pi) % (2 * np.pi) - np.pi
    return np.hypot(dlat * meridian, dlon * normal * np.cos(mid))


class GeodesicTravelTimes:
    """Geodesic distance times a circuity factor, over an urban speed (default 20 km/h, x 1.3)."""

    def __init__(self, speed_kmh: float = 20.0, circuity: float = 1.3) -> None:
        if speed_kmh <= 0:
            raise ValueError("speed_kmh must be positive")
        if circuity < 1:
            raise ValueError("circuity must be at least 1")
        self.speed_kmh = speed_kmh
        self.circuity = circuity

    def distance_m(self, points: np.ndarray) -> np.ndarray:
        return ellipsoidal_distance_m(points) * self.circuity

    def matrix(self, points: np.ndarray) -> np.ndarray:
        metres_per_s = self.speed_kmh / 3.6
        return np.rint(self.distance_m(points) / metres_per_s).astype(np.int64)

    def between(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        metres = ellipsoidal_distance_m(origins, destinations) * self.circuity
        return np.rint(metres / (self.speed_kmh / 3.6)).astype(np.int64)

    def seconds(self, a: tuple[float, float], b: tuple[float, float]) -> int:
        """Seconds between two points, with geopy's exact geodesic (for one-off questions)."""
        metres = geodesic(a, b).meters * self.circuity
        return round(metres / (self.speed_kmh / 3.6))


class MatrixTravelTimes:
    """Travel times from a fixed matrix between named locations, e.g. from a road-network engine.

    `points` must be coordinates of those locations exactly; each is looked up by position.
    """

    def __init__(self, coords: np.ndarray, seconds: np.ndarray, metres: np.ndarray | None = None):
        self._coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        self._seconds = np.asarray(seconds, dtype=np.int64)
        n = len(self._coords)
        if self._seconds.shape != (n, n):
            raise ValueError(f"seconds must be {n} x {n}, got {self._seconds.shape}")
        self._metres = np.asarray(metres, dtype=float) if metres is not None else None
        self._index = {tuple(c): i for i, c in enumerate(self._coords)}

    def _rows(self, points: np.ndarray) -> np.ndarray:
        try:
            return np.array([self._index[tuple(p)] for p in np.asarray(points, dtype=float)])
        except KeyError as exc:
            raise ValueError(f"point {exc.args[0]} is not a location of this matrix") from None

    def matrix(self, points: np.ndarray) -> np.ndarray:
        idx = self._rows(points)
        return self._seconds[np.ix_(idx, idx)]

    def between(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        return self._seconds[np.ix_(self._rows(origins), self._rows(destinations))]

    def distance_m(self, points: np.ndarray) -> np.ndarray:
        if self._metres is None:
            raise ValueError("this matrix has no distances")
        idx = self._rows(points)
        return self._metres[np.ix_(idx, idx)]
