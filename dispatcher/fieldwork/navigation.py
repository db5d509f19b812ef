"""Links that open a stop in the technician's map app, in the datum each app expects.

Positions are stored in WGS-84 (what a phone's GPS gives). Maps published in mainland China
must use GCJ-02 (AMap, Tencent) or Baidu's BD-09 on top of it; a WGS-84 point given to them
lands 300-700 m off in most cities. Apple, Google and the Android `geo:` URI take WGS-84.
The WGS-84 → GCJ-02 shift is the published "Krasovsky 1940" formula (as in every open
implementation, e.g. eviltransform and coord-convert); outside China GCJ-02 equals WGS-84.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import atan2, cos, pi, sin, sqrt
from urllib.parse import quote, urlencode

from pydantic import BaseModel

PROVIDERS = ("amap", "baidu", "apple", "google", "geo")
_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = pi * 3000.0 / 180.0


class NavLink(BaseModel):
    """One map app's link to a stop: `provider` is one of `PROVIDERS`."""

    provider: str
    url: str


def in_china(lat: float, lon: float) -> bool:
    """Inside the rough box where Chinese maps shift coordinates (the usual test)."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _shift_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    r += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    return r + (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0


def _shift_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    r += (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    r += (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    return r + (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in GCJ-02, the datum of AMap and Tencent maps; unchanged outside China."""
    if not in_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * pi
    magic = 1 - _EE * sin(rad) ** 2
    d_lat = d_lat * 180.0 / (_A * (1 - _EE) / (magic * sqrt(magic)) * pi)
    d_lon = d_lon * 180.0 / (_A / sqrt(magic) * cos(rad) * pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in Baidu's BD-09, from GCJ-02."""
    z = sqrt(lon * lon + lat * lat) + 0.00002 * sin(lat * _X_PI)
    theta = atan2(lat, lon) + 0.000003 * cos(lon * _X_PI)
    return z * sin(theta) + 0.006, z * cos(theta) + 0.0065


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in BD-09, the datum of Baidu maps; WGS-84 outside China."""
    if not in_china(lat, lon):
        return lat, lon
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def links(lat: float, lon: float, label: str, providers: Iterable[str]) -> list[NavLink]:
    """A link per provider, in the given order, to the WGS-84 point (lat, lon)."""
    out = []
    for provider in providers:
        if provider == "amap":
            g_lat, g_lon = wgs84_to_gcj02(lat, lon)
            url = "https://uri.amap.com/marker?" + urlencode(
                {"position": f"{g_lon:.6f},{g_lat:.6f}", "name": label, "coordinate": "gaode",
                 "callnative": 1}, safe=",", quote_via=quote)
        elif provider == "baidu":
            b_lat, b_lon = wgs84_to_bd09(lat, lon)
            url = "https://api.map.baidu.com/marker?" + urlencode(
                {"location": f"{b_lat:.6f},{b_lon:.6f}", "title": label, "content": label,
                 "coord_type": "bd09ll", "output": "html", "src": "dispatch.technician-app"},
                quote_via=quote)
        elif provider == "apple":
            url = "https://maps.apple.com/?" + urlencode(
                {"ll": f"{lat:.6f},{lon:.6f}", "q": label}, safe=",", quote_via=quote)
        elif provider == "google":
            url = "https://www.google.com/maps/search/?" + urlencode(
                {"api": 1, "query": f"{lat:.6f},{lon:.6f}"}, safe=",", quote_via=quote)
        elif provider == "geo":
            url = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(label)})"
        else:
            raise ValueError(f"unknown map provider {provider!r}; use {', '.join(PROVIDERS)}")
        out.append(NavLink(provider=provider, url=url))
    return out
