"""Home areas over HTTP: staff set and clear them; bad zones and unknown sites are 422s
naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import tech_json

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_a_home_area_is_set_read_and_cleared(client: TestClient) -> None:
    wang = ok(client.post(f"{API}/technicians", json=tech_json()), 201)
    ring = [{"lat": 31.22, "lon": 121.53}, {"lat": 31.22, "lon": 121.54},
            {"lat": 31.23, "lon": 121.54}]
    read = ok(client.put(f"{API}/technicians/{wang['id']}/home-area",
                         json={"polygons": [ring], "strict": True}))
    assert read["home_area"] == {"sites": [], "polygons": [ring], "strict": True}
    assert ok(client.get(f"{API}/technicians/{wang['id']}"))["home_area"]["strict"] is True
    assert ok(client.delete(f"{API}/technicians/{wang['id']}/home-area"))["home_area"] is None


def test_bad_areas_are_422_naming_the_field(client: TestClient) -> None:
    wang = ok(client.post(f"{API}/technicians", json=tech_json()), 201)
    url = f"{API}/technicians/{wang['id']}/home-area"
    r = client.put(url, json={"polygons": [[{"lat": 31.22, "lon": 121.53},
                                            {"lat": 31.23, "lon": 121.54}]]})
    assert r.status_code == 422 and "polygons" in r.json()["field"], r.text
    r = client.put(url, json={"sites": ["atlantis"]})
    assert r.status_code == 422 and r.json()["field"] == "home_area.sites", r.text
    r = client.put(url, json={})
    assert r.status_code == 422, r.text
    r = client.put(f"{API}/technicians/9999/home-area", json={"sites": ["x"]})
    assert r.status_code in (404, 422), r.text
