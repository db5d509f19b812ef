"""The OpenAPI contract through HTTP: one error body, bounded ids, declared statuses (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.builders import tech_json

API = "/api/v1"
ERROR_KEYS = {"detail", "field", "code"}


def test_validation_errors_are_one_error_body_naming_the_field(client: TestClient) -> None:
    """FastAPI's own 422 (a list of pydantic errors) is the domain's {detail, field, code}."""
    answer = client.post(f"{API}/technicians", json={**tech_json(), "skills": "plumber"})
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) == ERROR_KEYS and body["field"] == "skills" and body["code"] == "invalid"
    assert "skills" in body["detail"]


@pytest.mark.parametrize("path", [
    "/recurring-faults/2002809886598630909935616/accept",  # past 64 bits: was a 500
    "/recurring-faults/366180713911153086955520/dismiss",
    "/tickets/2147483648/cancel",  # past the INTEGER column
    "/tickets/0/cancel",
])
def test_an_id_out_of_range_is_a_422_naming_it(client: TestClient, path: str) -> None:
    answer = client.post(API + path)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] in {"recurring_id", "ticket_id"}


def test_an_id_out_of_range_in_a_body_is_a_422(client: TestClient) -> None:
    answer = client.post(f"{API}/overrides/hold", json={"ticket_id": 2**40})
    assert answer.status_code == 422 and answer.json()["field"] == "ticket_id"


@pytest.mark.parametrize("field", ["name", "kind", "lat", "lon"])
def test_an_update_cannot_null_a_required_field(client: TestClient, field: str) -> None:
    """PATCH with null for a NOT NULL column was a 500 (IntegrityError)."""
    asset = client.post(f"{API}/assets", json={"kind": "elevator", "name": "Lift A",
                                              "lat": 31.2, "lon": 121.5})
    assert asset.status_code == 201, asset.text
    answer = client.patch(f"{API}/assets/{asset.json()['id']}", json={field: None,
                                                                     "building": "x"})
    assert answer.status_code == 422 and answer.json()["field"] == field, answer.text


def test_a_boolean_is_not_a_number_nor_a_number_a_timestamp(client: TestClient) -> None:
    tech = client.post(f"{API}/technicians", json=tech_json()).json()
    fix = client.post(f"{API}/technicians/{tech['id']}/position",
                      json={"lat": 31.2, "lon": False})
    assert fix.status_code == 422 and "lon" in fix.json()["detail"]
    fix = client.post(f"{API}/technicians/{tech['id']}/position",
                      json={"lat": 31.2, "lon": 121.5, "at": 0})
    assert fix.status_code == 422 and fix.json()["field"] == "at"
    assert client.get(f"{API}/kpis", params={"to": "0"}).json()["field"] == "to"


def test_shift_times_are_local_times_without_a_zone(client: TestClient) -> None:
    """The document declares HH:MM[:SS] (JSON Schema's `time` format requires a zone)."""
    shift = client.get("/openapi.json").json()["components"]["schemas"]["Shift"]
    assert "format" not in shift["properties"]["start"]
    zoned = client.post(f"{API}/technicians", json={
        **tech_json(), "shift": {"start": "08:00:00+08:00", "end": "17:00"}})
    assert zoned.status_code == 422 and zoned.json()["field"] == "shift.start"
    made = client.post(f"{API}/technicians", json={
        **tech_json(), "shift": {"start": "08:00", "end": "17:00:00"}})
    assert made.status_code == 201 and made.json()["shift"] == {"start": "08:00:00",
                                                                "end": "17:00:00"}


@pytest.mark.parametrize("method, path, allow", [
    ("OPTIONS", "/followup/some-token", "GET, POST"),  # two routes, one resource
    ("DELETE", "/overrides/hold", "POST"),  # not the id of DELETE /overrides/{ticket_id}
    ("GET", "/tickets/preview", "POST"),
    ("PUT", "/assets/1", "DELETE, GET, PATCH"),
])
def test_405_lists_every_method_of_the_resource(client: TestClient, method: str, path: str,
                                                allow: str) -> None:
    answer = client.request(method, API + path)
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == allow
    assert answer.json()["code"] == "method_not_allowed"


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in document["paths"].items()
            for method, op in ops.items()]


def test_the_document_declares_one_error_model_and_the_usual_refusals(
        client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, op in _operations(document):
        for status, response in op["responses"].items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorRead"}, (method, path)
        if path.startswith(API) and "{" in path:
            assert "404" in op["responses"] and "422" in op["responses"], (method, path)
        security = op.get("security")
        if security:
            assert "401" in op["responses"], (method, path)
    login = document["paths"][f"{API}/auth/login"]["post"]["responses"]
    assert "401" in login


def test_a_site_outline_is_a_tuple_of_lon_lat(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    point = schemas["SiteCreate"]["properties"]["outline"]["anyOf"][0]["items"]
    assert [p["maximum"] for p in point["prefixItems"]] == [180, 90]
