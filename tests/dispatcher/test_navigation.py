"""Map links land on the stop: WGS-84 converted to GCJ-02 for AMap and BD-09 for Baidu.

The reference points are published test vectors of two independent open implementations
(eviltransform's Shanghai and Shenzhen points; coord-convert 0.2.1 for Beijing), not values
computed by the code under test.
"""

from __future__ import annotations

from math import atan2, cos, pi, sin, sqrt
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dispatcher.config import Settings
from dispatcher.fieldwork.navigation import gcj02_to_bd09, links, wgs84_to_bd09, wgs84_to_gcj02

# (WGS-84 lat, lon) -> (GCJ-02 lat, lon)
GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.908823, 116.397470), (39.91022649807321, 116.4037135824225)),  # Beijing
]
BEIJING_BD09 = (39.9165658186413, 116.41008645442567)


@pytest.mark.parametrize("wgs, gcj", GCJ)
def test_gcj02_matches_the_published_points(wgs: tuple[float, float],
                                            gcj: tuple[float, float]) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


def test_bd09_matches_the_published_point() -> None:
    assert wgs84_to_bd09(39.908823, 116.397470) == pytest.approx(BEIJING_BD09, abs=1e-9)


@pytest.mark.parametrize("point", [(51.5072, -0.1276), (35.6762, 139.6503), (-33.8688, 151.2093)])
def test_outside_china_nothing_moves(point: tuple[float, float]) -> None:
    """London, Tokyo, Sydney: every app takes WGS-84 there."""
    assert wgs84_to_gcj02(*point) == point and wgs84_to_bd09(*point) == point


def _bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Baidu's published inverse, to check the forward formula against."""
    x, y = lon - 0.0065, lat - 0.006
    z = sqrt(x * x + y * y) - 0.00002 * sin(y * pi * 3000.0 / 180.0)
    theta = atan2(y, x) - 0.000003 * cos(x * pi * 3000.0 / 180.0)
    return z * sin(theta), z * cos(theta)


china = st.tuples(st.floats(18.2, 53.5), st.floats(73.6, 134.7))
# Where the compounds are: the east and south (Beijing, Shanghai, Guangzhou, Chongqing).
east = st.tuples(st.floats(20.0, 42.0), st.floats(105.0, 123.0))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(china)
def test_the_shift_is_the_few_hundred_metres_of_chinese_maps(point: tuple[float, float]) -> None:
    """Across mainland China the GCJ-02 point lies within 1,000 m of the true one (as little
    as ~18 m near (37.2, 96.6) in Qinghai, where the offset's terms cancel), and BD-09 undoes
    to GCJ-02 by Baidu's inverse within a metre."""
    gcj = wgs84_to_gcj02(*point)
    assert 0 < geodesic(point, gcj).meters <= 1000
    back = _bd09_to_gcj02(*gcj02_to_bd09(*gcj))
    assert geodesic(back, gcj).meters < 1.0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(east)
def test_where_the_compounds_are_the_shift_is_hundreds_of_metres(
        point: tuple[float, float]) -> None:
    """In the east and south a WGS-84 link would land 300-700 m off: the reason to convert."""
    assert 300 <= geodesic(point, wgs84_to_gcj02(*point)).meters <= 1000


def test_each_app_gets_its_own_datum_in_the_order_chosen() -> None:
    wgs, gcj = GCJ[0]
    got = links(*wgs, "3号楼 1202", ["geo", "amap", "baidu", "apple", "google"])
    assert [link.provider for link in got] == ["geo", "amap", "baidu", "apple", "google"]
    url = {link.provider: urlsplit(link.url) for link in got}
    query = {p: parse_qs(u.query) for p, u in url.items()}
    assert url["geo"].scheme == "geo" and url["geo"].path == "31.177428,121.527211"
    assert query["amap"]["position"] == [f"{gcj[1]:.6f},{gcj[0]:.6f}"]  # lon,lat
    assert query["amap"]["coordinate"] == ["gaode"] and query["amap"]["name"] == ["3号楼 1202"]
    bd = wgs84_to_bd09(*wgs)
    assert query["baidu"]["location"] == [f"{bd[0]:.6f},{bd[1]:.6f}"]  # lat,lon
    assert query["baidu"]["coord_type"] == ["bd09ll"]
    assert query["apple"]["ll"] == ["31.177428,121.527211"]
    assert query["google"]["query"] == ["31.177428,121.527211"]


def test_an_unknown_map_app_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown map provider 'osm'"):
        links(31.0, 121.0, "x", ["osm"])
    with pytest.raises(ValidationError, match=r"unknown map app\(s\) \['here'\]"):
        Settings(nav_links="amap, here")
    assert Settings(nav_links=" baidu ,apple,").map_apps == ["baidu", "apple"]
