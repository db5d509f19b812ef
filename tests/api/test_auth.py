"""Accounts over HTTP: login, tokens on every route, 401 saying why, 403 for the wrong role or
another technician's things."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from dispatcher.auth.models import Role, User
from dispatcher.clock import ManualClock
from dispatcher.engine import Engine
from tests.accounts import PASSWORD, bearer
from tests.builders import north, tech_json, ticket_json

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_login_answers_a_bearer_token_and_me_names_the_account(
        anonymous: TestClient, app_engine: Engine) -> None:
    bearer(app_engine, "amy")
    token = ok(anonymous.post(f"{API}/auth/login",
                              json={"username": "amy", "password": PASSWORD}))
    assert token["token_type"] == "bearer" and token["role"] == "dispatcher"
    assert token["username"] == "amy" and token["technician_id"] is None
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    me = ok(anonymous.get(f"{API}/auth/me", headers=headers))
    assert me["username"] == "amy" and me["role"] == "dispatcher" and me["active"] is True


@pytest.mark.parametrize("username, password", [("amy", "wrong-pw"), ("nobody", PASSWORD)])
def test_a_wrong_name_or_password_is_401(anonymous: TestClient, app_engine: Engine,
                                         username: str, password: str) -> None:
    bearer(app_engine, "amy")
    answer = anonymous.post(f"{API}/auth/login", json={"username": username,
                                                       "password": password})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "wrong username or password", "field": "password",
                             "code": "unauthenticated"}


# Open by design: logging in, and the resident's one-time follow-up link (the token is the
# credential; issue 6).
PUBLIC = {f"{API}/auth/login", f"{API}/followup/{{token}}"}
# Equipment alarms carry a device's signature instead of a token (tests/api/test_alarms.py).
DEVICE_SIGNED = {f"{API}/alarms"}
# The resident's app carries the unit's signed link instead (tests/api/test_residents.py).
UNIT_LINKED = f"{API}/resident/"


def test_every_api_route_but_login_needs_a_token(anonymous: TestClient) -> None:
    """Walks the OpenAPI paths, so a router added without the token dependency fails here."""
    checked = 0
    paths = ok(anonymous.get("/openapi.json"))["paths"]
    assert set(paths) >= PUBLIC
    for template, methods in paths.items():
        if not template.startswith(API) or template in PUBLIC:
            continue
        if template in DEVICE_SIGNED:  # without the device's headers: refused, naming one
            answer = anonymous.post(template, json={"event": "raised", "code": "E1"})
            assert answer.status_code == 422 and answer.json()["field"] == "X-Device-Id"
            continue
        path = re.sub(r"\{[a-z_]+\}", "1", template)
        if template.startswith(UNIT_LINKED):  # without the unit's key: refused, naming it
            for method in methods:
                answer = anonymous.request(method.upper(), path)
                assert answer.status_code == 422 and answer.json()["field"] in (
                    "X-Unit-Key", "key"), f"{method} {template}: {answer.text}"
            continue
        for method in methods:
            answer = anonymous.request(method.upper(), path)
            assert answer.status_code == 401, f"{method} {template}: {answer.status_code}"
            assert answer.headers["www-authenticate"] == "Bearer"
            checked += 1
    assert checked >= 25
    assert ok(anonymous.get("/healthz"))["status"] == "ok"
    assert anonymous.get("/openapi.json").status_code == 200


def test_bad_expired_and_disabled_tokens_are_401_saying_why(
        anonymous: TestClient, app_engine: Engine, clock: ManualClock) -> None:
    good = bearer(app_engine, "amy")
    forged = jwt.encode({"sub": "1", "exp": 4_000_000_000}, "x" * 40, algorithm="HS256")
    cases = [({"Authorization": "Bearer nonsense"}, "invalid token"),
             ({"Authorization": f"Bearer {forged}"}, "invalid token"),
             ({"Authorization": "Basic YW15OnB3"}, "Bearer <token>"),
             ({}, "not logged in")]
    for headers, why in cases:
        answer = anonymous.get(f"{API}/tickets", headers=headers)
        assert answer.status_code == 401 and why in answer.json()["detail"], answer.text
    assert anonymous.get(f"{API}/tickets", headers=good).status_code == 200
    clock.advance(timedelta(minutes=app_engine.settings.token_ttl_min + 1))
    expired = anonymous.get(f"{API}/tickets", headers=good)
    assert expired.status_code == 401 and "token expired" in expired.json()["detail"]
    fresh = bearer(app_engine, "amy")
    with app_engine.sessions() as s:
        s.query(User).filter_by(username="amy").update({"active": False})
        s.commit()
    disabled = anonymous.get(f"{API}/tickets", headers=fresh)
    assert disabled.status_code == 401 and "disabled" in disabled.json()["detail"]


def test_the_query_token_is_taken_only_where_headers_cannot_be_sent(
        anonymous: TestClient, app_engine: Engine) -> None:
    token = bearer(app_engine, "amy")["Authorization"].split()[1]
    answer = anonymous.get(f"{API}/tickets", params={"access_token": token})
    assert answer.status_code == 401
    missing = anonymous.get(f"{API}/photos/99", params={"access_token": token})
    assert missing.status_code == 404  # accepted as a login; the photo does not exist


def test_a_technician_sees_and_acts_on_only_his_own(client: TestClient,
                                                     app_engine: Engine) -> None:
    li = ok(client.post(f"{API}/technicians", json=tech_json(name="Li")), 201)
    wang = ok(client.post(f"{API}/technicians", json=tech_json(name="Wang")), 201)
    near, far = (ok(client.post(f"{API}/tickets", json=ticket_json(lat=lat, lon=lon)), 201)
                 for lat, lon in (north(0.1), north(3)))
    ok(client.post(f"{API}/overrides", json={"ticket_id": near["id"], "technician_id": li["id"],
                                             "reason": "other", "by": "test"}), 201)
    ok(client.post(f"{API}/overrides", json={"ticket_id": far["id"],
                                             "technician_id": wang["id"], "reason": "other",
                                             "by": "test"}), 201)
    as_li = bearer(app_engine, "li", Role.technician, li["id"])
    assert [t["id"] for t in ok(client.get(f"{API}/tickets", headers=as_li))] == [near["id"]]
    assert ok(client.get(f"{API}/tickets/{near['id']}", headers=as_li))["id"] == near["id"]
    assert [t["id"] for t in ok(client.get(f"{API}/technicians", headers=as_li))] == [li["id"]]
    denied = [
        ("GET", f"/tickets/{far['id']}", None),
        ("POST", f"/tickets/{far['id']}/status", {"status": "accepted"}),
        ("POST", f"/tickets/{far['id']}/accept", {}),
        ("POST", f"/technicians/{wang['id']}/position", {"lat": 31.2, "lon": 121.5}),
        ("GET", f"/technicians/{wang['id']}", None),
        ("GET", f"/technicians/{wang['id']}/route", None),
        ("POST", "/tickets", ticket_json()),
        ("POST", f"/tickets/{near['id']}/cancel", None),
        ("POST", "/technicians", tech_json()),
        ("POST", "/overrides", {"ticket_id": near["id"], "technician_id": li["id"],
                                "reason": "other", "by": "li"}),
        ("POST", "/plan/replan", {}),
        ("GET", "/alerts", None),
        ("PUT", "/sites", {"id": "s", "name": "S", "lat": 31.2, "lon": 121.5}),
        ("POST", "/users", {"username": "x", "password": "x-pw-123", "role": "dispatcher"}),
    ]
    for method, path, body in denied:
        answer = client.request(method, API + path, json=body, headers=as_li)
        assert answer.status_code == 403, f"{method} {path}: {answer.text}"
    ok(client.post(f"{API}/tickets/{near['id']}/accept", headers=as_li))
    everyone = ok(client.get(f"{API}/plan"))
    assert {r["technician_id"] for r in everyone["routes"]} == {li["id"], wang["id"]}
    his = ok(client.get(f"{API}/plan", headers=as_li))
    assert [r["technician_id"] for r in his["routes"]] == [li["id"]] and his["unassigned"] == []
    ok(client.get(f"{API}/sites", headers=as_li))


def test_only_an_admin_creates_staff_accounts(client: TestClient, app_engine: Engine) -> None:
    li = ok(client.post(f"{API}/technicians", json=tech_json(name="Li")), 201)
    body = {"username": "li", "password": "li-pw-123", "role": "technician",
            "technician_id": li["id"]}
    assert ok(client.post(f"{API}/users", json=body), 201)["technician_id"] == li["id"]
    boss = {"username": "boss", "password": "boss-pw-1", "role": "dispatcher"}
    assert client.post(f"{API}/users", json=boss).status_code == 403
    as_admin = bearer(app_engine, "root", Role.admin)
    assert ok(client.post(f"{API}/users", json=boss, headers=as_admin), 201)["role"] == \
        "dispatcher"
    assert client.post(f"{API}/users", json=boss, headers=as_admin).status_code == 409
    names = [u["username"] for u in ok(client.get(f"{API}/users"))]
    assert names == ["dispatcher", "li", "root", "boss"]


def test_a_password_change_revokes_the_tokens_issued_before(
        client: TestClient, anonymous: TestClient, app_engine: Engine) -> None:
    """Issue 18: the old token is a 401 at once; the new password logs in."""
    old = bearer(app_engine, "amy")
    amy = next(u for u in app_engine.accounts.list_() if u.username == "amy")
    assert anonymous.get(f"{API}/auth/me", headers=old).status_code == 200
    admin = bearer(app_engine, "root", Role.admin)
    changed = client.patch(f"{API}/users/{amy.id}", json={"password": "new-secret-2"},
                           headers=admin)
    assert changed.status_code == 200, changed.text
    refused = anonymous.get(f"{API}/auth/me", headers=old)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert anonymous.post(f"{API}/auth/login", json={"username": "amy", "password": PASSWORD}
                          ).status_code == 401
    token = ok(anonymous.post(f"{API}/auth/login", json={"username": "amy",
                                                        "password": "new-secret-2"}))
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert anonymous.get(f"{API}/auth/me", headers=headers).status_code == 200


def test_disabling_an_account_revokes_its_tokens_also_after_enabling(
        client: TestClient, anonymous: TestClient, app_engine: Engine) -> None:
    old = bearer(app_engine, "li", Role.dispatcher)
    li = next(u for u in app_engine.accounts.list_() if u.username == "li")
    admin = bearer(app_engine, "root", Role.admin)
    off = ok(client.patch(f"{API}/users/{li.id}", json={"active": False}, headers=admin))
    assert off["active"] is False
    assert anonymous.get(f"{API}/auth/me", headers=old).status_code == 401
    ok(client.patch(f"{API}/users/{li.id}", json={"active": True}, headers=admin))
    assert anonymous.get(f"{API}/auth/me", headers=old).status_code == 401  # still revoked
    assert anonymous.post(f"{API}/auth/login", json={"username": "li", "password": PASSWORD}
                          ).status_code == 200


def test_only_an_admin_changes_a_staff_account(client: TestClient, app_engine: Engine) -> None:
    bearer(app_engine, "boss", Role.admin)
    boss = next(u for u in app_engine.accounts.list_() if u.username == "boss")
    answer = client.patch(f"{API}/users/{boss.id}", json={"active": False})  # a dispatcher
    assert answer.status_code == 403 and answer.json()["field"] == "role"
    assert client.patch(f"{API}/users/99999", json={"active": False}).status_code == 404
    assert client.patch(f"{API}/users/{boss.id}", json={"active": None}).status_code == 422
