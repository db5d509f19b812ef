"""An inspection round on the technician app at phone size: the checklist filled in a pump room
without signal, synced when back online; a reading out of range and an abnormal check open
repair tickets (the photo goes with the one that asked for it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import BUILDINGS, SITE, Live, png, shot, sign_in


def _pump_room_round(live: Live) -> int:
    """A weekly pump-room plan falling due now; its ticket pinned to wang, who is on site."""
    lat, lon = BUILDINGS["3号楼"]
    asset = live.staff.post("/assets", json={"kind": "pump_room", "name": "2号泵房",
                                             "site_id": SITE["id"], "building": "3号楼",
                                             "lat": lat, "lon": lon})
    asset.raise_for_status()
    due = datetime.now(UTC) + timedelta(hours=2)
    plan = live.staff.post("/maintenance/plans", json={"asset_id": asset.json()["id"],
                                                       "first_due": due.isoformat()})
    plan.raise_for_status()
    live.engine.tick()  # the plan's ticket falls due
    (ticket,) = [t["id"] for t in live.staff.get("/tickets").json()
                 if t["asset_id"] == asset.json()["id"]]
    live.pin(ticket, live.ids["wang"])
    wang = live.login("wang", "wang-pass")
    wang.post(f"/tickets/{ticket}/check-in", json={"lat": lat, "lon": lon}).raise_for_status()
    return ticket


def test_a_round_filled_offline_opens_repairs_when_it_syncs(
        phone: Any, live: Live, tmp_path: Any) -> None:
    ticket = _pump_room_round(live)
    context = phone(at=BUILDINGS["3号楼"])
    page = context.new_page()
    sign_in(page, "wang")
    page.click(f".stop[data-ticket='{ticket}'] .stop-main")
    page.wait_for_selector("#checklist li[data-item=outlet_pressure]")
    assert page.inner_text("#checklist-left") == "还有 4 项未填"
    assert page.locator("#complete").is_disabled()
    assert "正常范围 0.25–0.6 MPa" in page.inner_text("li[data-item=outlet_pressure]")

    context.set_offline(True)  # a basement pump room
    page.fill("input[name=value-outlet_pressure]", "0.82")
    page.wait_for_selector("li[data-item=outlet_pressure] .note.warn:visible")
    page.click("[data-save=outlet_pressure]")
    page.wait_for_selector("[data-answer=outlet_pressure].bad")
    page.check("input[name=ok-pump_noise][value=true]")
    page.click("[data-save=pump_noise]")
    page.check("input[name=ok-no_leaks][value=false]")
    assert page.locator("[data-save=no_leaks]").is_disabled()  # its photo is required
    picture = tmp_path / "valve.png"
    picture.write_bytes(png(1200, 900))
    page.set_input_files("#photo-item-no_leaks", str(picture))
    page.fill("input[name=note-no_leaks]", "阀门滴水")
    page.wait_for_selector("[data-save=no_leaks]:enabled")
    page.click("[data-save=no_leaks]")
    page.check("input[name=ok-control_panel][value=true]")
    page.click("[data-save=control_panel]")
    page.wait_for_selector("#sync[data-count='4']")
    assert page.inner_text("#checklist-left") == "已全部填写"
    assert page.locator("#complete").is_enabled()
    page.locator("#checklist").scroll_into_view_if_needed()
    shot(page, "i1-round-offline-zh", full_page=True)
    assert live.staff.get(f"/tickets/{ticket}/inspection").json()["missing"] != []

    context.set_offline(False)
    page.wait_for_selector("#sync[data-count='0']")
    page.wait_for_selector("li[data-item=no_leaks] .answer:has-text('维修工单 #')")
    shot(page, "i2-round-synced-zh", full_page=True)
    round_ = live.staff.get(f"/tickets/{ticket}/inspection").json()
    assert round_["missing"] == [] and len(round_["faults"]) == 2
    pressure, leak = (live.staff.get(f"/tickets/{f}").json() for f in round_["faults"])
    assert "0.82 MPa" in pressure["description"] and pressure["follow_up_of"] == ticket
    assert "阀门滴水" in leak["description"]
    photos = live.staff.get(f"/tickets/{leak['id']}/photos").json()
    assert [p["tag"] for p in photos] == ["inspection"]

    page.click("#complete")
    page.wait_for_selector(".route")
    page.wait_for_selector("#sync[data-count='0']")
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "closed"  # no resident
