"""A fire alarm confirmed by two, on the technician app at phone size: the partner sees who he
goes with, checks in, waits for the other (completion refused until then), and completes once
the fire-system technician's arrival reaches his phone over the live stream."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import ALL_DAY, BUILDINGS, Live, shot, sign_in


def _fire_alarm(live: Live) -> tuple[dict, dict]:
    """Fire technician zhao joins wang and li (plumbers, general); a fire alarm in 3号楼 is
    planned for zhao and one of them. (the ticket, zhao's and the partner's seats)."""
    lat, lon = BUILDINGS["2号楼"]
    res = live.staff.post("/technicians", json={
        "name": "赵消防", "skills": ["fire"], "shift": ALL_DAY, "home": {"lat": lat, "lon": lon}})
    res.raise_for_status()
    live.ids["zhao"] = res.json()["id"]
    live.staff.post("/users", json={"username": "zhao", "password": "zhao-pass",
                                    "role": "technician",
                                    "technician_id": live.ids["zhao"]}).raise_for_status()
    ticket_id = live.ticket(building="3号楼", unit="消防控制室", category="fire",
                            description="3号楼 烟感报警 smoke detector")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ticket = live.staff.get(f"/tickets/{ticket_id}").json()
        if all(m["technician_id"] is not None for m in ticket["crew"]):
            return ticket, ticket["crew"][1]
        time.sleep(0.2)
    raise AssertionError(f"the crew was not planned: {ticket}")


def test_the_partner_sees_his_crew_and_completes_when_both_are_on_site(
        phone: Any, live: Live) -> None:
    ticket, seat = _fire_alarm(live)
    lead = ticket["crew"][0]
    assert (lead["name"], lead["skill"], seat["skill"]) == ("赵消防", "fire", "general")
    partner = next(name for name, i in live.ids.items() if i == seat["technician_id"])
    page = phone(at=BUILDINGS["3号楼"]).new_page()
    sign_in(page, partner)
    card = page.wait_for_selector(f".stop[data-ticket='{ticket['id']}']")
    assert "2人作业 · 搭档 赵消防" in card.inner_text()
    shot(page, "c1-partner-route-zh")

    page.click(f".stop[data-ticket='{ticket['id']}'] .stop-main")
    page.wait_for_selector("#crew [data-member='1']")
    assert "赵消防" in page.inner_text("#crew [data-member='1']")
    assert "我" in page.inner_text("#crew [data-member='2']")
    page.click("[data-action=check-in]")
    page.wait_for_selector("#crew-first")
    assert "赵消防" in page.inner_text("#crew-first")
    assert page.locator("#complete").is_disabled()
    assert page.locator("[data-action=not-home]").count() == 0  # the lead's to say
    shot(page, "c2-partner-waits-zh", full_page=True)
    seats = live.staff.get(f"/tickets/{ticket['id']}").json()["crew"]
    assert [m["status"] for m in seats] == ["assigned", "on_site"]

    zhao = live.login("zhao", "zhao-pass")
    lat, lon = BUILDINGS["3号楼"]
    zhao.post(f"/tickets/{ticket['id']}/check-in", json={"lat": lat, "lon": lon}
              ).raise_for_status()
    page.wait_for_selector("#complete:enabled")  # his arrival came over the live stream
    assert page.locator("#crew-first").count() == 0
    shot(page, "c3-crew-on-site-zh", full_page=True)
    page.fill("#complete-form textarea[name=notes]", "误报，已复位 false alarm, panel reset")
    page.click("#complete")
    deadline = time.monotonic() + 20
    while live.staff.get(f"/tickets/{ticket['id']}").json()["status"] != "completed":
        assert time.monotonic() < deadline, "the partner's completion did not reach the server"
        time.sleep(0.2)


def test_the_board_marks_a_pinned_partner_place_not_the_ticket(browser: Any, live: Live) -> None:
    """A dispatcher pins the fire alarm's partner place to the other general technician: on
    the console board his partner block is marked pinned; zhao's own block is not."""
    ticket, seat = _fire_alarm(live)
    other = next(i for name, i in live.ids.items()
                 if name in ("wang", "li") and i != seat["technician_id"])
    live.staff.post("/overrides", json={"ticket_id": ticket["id"], "technician_id": other,
                                        "member": 2, "reason": "other"}).raise_for_status()
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN",
                                  base_url=live.url)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/console/")
        page.fill("#login-form input[name=username]", "disp")
        page.fill("#login-form input[name=password]", "disp-pass")
        page.click("#login-form button[type=submit]")
        partner = page.wait_for_selector(f".lane[data-technician='{other}'] "
                                         f".block.partner[data-ticket='{ticket['id']}']")
        assert "pinned" in (partner.get_attribute("class") or "")
        own = page.locator(f".lane[data-technician='{live.ids['zhao']}'] "
                           f".block[data-ticket='{ticket['id']}']")
        assert "pinned" not in (own.get_attribute("class") or "")
        shot(page, "c4-console-partner-pinned-zh", full_page=True)
    finally:
        context.close()
