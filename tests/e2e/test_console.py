"""The dispatcher console in Chromium: sign-in, the site plan, dragging a ticket to another
technician (whose phone shows it live), and the front desk's intake form."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from dispatcher.events.models import Event
from tests.e2e.conftest import BUILDINGS, Live, shot, sign_in

DESK = {"width": 1440, "height": 1000}
# Every EventSource the page opens, kept in `window.streams`, so a test can hand the app an
# event as the stream delivers it; and every vibration, in `window.buzzes`.
WATCH_PHONE = """
window.streams = [];
window.EventSource = class extends window.EventSource {
  constructor(...args) { super(...args); window.streams.push(this); }
};
window.buzzes = [];
navigator.vibrate = (p) => { window.buzzes.push(p); return true; };
"""


def _console(browser: Any, live: Live, *, locale: str = "zh-CN") -> Any:
    context = browser.new_context(viewport=DESK, locale=locale, base_url=live.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/console/")
    page.fill("#login-form input[name=username]", "disp")
    page.fill("#login-form input[name=password]", "disp-pass")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-dialog:not([open])", state="attached")
    return context, page


def _li_on_his_route(phone: Any, live: Live, *, locale: str = "zh-CN") -> tuple[Any, int]:
    """wang has an emergency (returned); li's app is open on his own routine stop, its event
    stream live, buzzes and streams watched."""
    ticket = live.ticket(building="2号楼", unit="603", description="卫生间漏水")
    live.pin(ticket, live.ids["wang"])
    his = live.ticket(building="1号楼", unit="102", urgency="routine", category="general")
    live.pin(his, live.ids["li"])
    li_phone = phone(locale=locale, at=BUILDINGS["1号楼"])
    li_phone.add_init_script(WATCH_PHONE)
    li = li_phone.new_page()
    sign_in(li, "li")
    li.wait_for_selector("#conn.ok")  # the event stream is open
    li.wait_for_selector(f".stop[data-ticket='{his}']")
    assert li.locator(f".stop[data-ticket='{ticket}']").count() == 0
    return li, ticket


def _stored_override(live: Live, kind: str, ticket_id: int) -> dict[str, Any]:
    """The `override.<kind>` event the server stored for `ticket_id`, as the stream sends it."""
    with live.engine.sessions() as s:
        rows = s.scalars(select(Event).where(Event.type == f"override.{kind}"))
        return next(e.as_dict() for e in rows if e.payload["ticket_id"] == ticket_id)


def _deliver(page: Any, event: dict[str, Any]) -> None:
    page.evaluate("""e => window.streams.at(-1).dispatchEvent(
        new MessageEvent("message", { data: JSON.stringify(e) }))""", event)


def test_a_ticket_dragged_to_another_technician_reaches_his_phone_live(
        browser: Any, phone: Any, live: Live) -> None:
    """wang's emergency dragged to the front of li's lane, with a reason: a move to position 0
    is stored, and li's app, open on his route, shows it first within 2 s without a reload,
    announced and buzzing."""
    li, ticket = _li_on_his_route(phone, live)

    desk, console = _console(browser, live)
    try:
        wang_lane = console.locator(f".lane[data-technician='{live.ids['wang']}']")
        block = wang_lane.locator(f".block[data-ticket='{ticket}']")
        block.wait_for()
        console.wait_for_selector(".site polygon")
        shot(console, "c1-console-before-drag-zh", full_page=True)
        li_track = console.locator(f".lane[data-technician='{live.ids['li']}'] .track")
        block.drag_to(li_track, target_position={"x": 4, "y": 10})  # before li's stop
        console.wait_for_selector("#reason-dialog[open]")
        assert "第 1 站" in console.inner_text("#reason-what")
        console.select_option("#reason-select", "technician_familiar")
        shot(console, "c2-reason-dialog-zh", full_page=True)
        started = time.monotonic()
        console.click("#reason-ok")
        li.wait_for_selector(f".stop[data-ticket='{ticket}']", timeout=3000)
        elapsed = time.monotonic() - started
        li.wait_for_selector(".notice.warn:has-text('新紧急工单')")
        assert li.evaluate("window.buzzes.length") == 1
        li.wait_for_function(  # a function: an expression is eval'd, which the CSP refuses
            f"() => document.querySelector('.stop').dataset.ticket === '{ticket}'")
        shot(li, "c3-li-phone-got-the-ticket-zh")
        console.wait_for_selector(f".lane[data-technician='{live.ids['li']}'] "
                                  f".block[data-ticket='{ticket}']")
        shot(console, "c4-console-after-drag-zh", full_page=True)
    finally:
        desk.close()
    moves = [o for o in live.staff.get("/overrides").json() if o["ticket_id"] == ticket]
    assert [(o["kind"], o["technician_id"], o["position"], o["reason"]) for o in moves] == [
        ("move", live.ids["li"], 0, "technician_familiar")]
    assert elapsed < 2.0
    print(f"drag to li's phone: {elapsed:.2f} s")


def test_his_phone_says_the_dispatcher_gave_him_the_ticket(phone: Any, live: Live) -> None:
    """The dispatcher's move, delivered to li's app as the server stored it (twice, as a replay
    would), and wang's pin beside it: li is told once, in English, which ticket and which stop;
    the new emergency buzzes once."""
    li, ticket = _li_on_his_route(phone, live, locale="en-US")
    live.staff.post("/overrides/move", json={
        "ticket_id": ticket, "technician_id": live.ids["li"], "position": 0,
        "reason": "technician_familiar"}).raise_for_status()
    _deliver(li, _stored_override(live, "pin", ticket))  # wang's: not for li
    for _ in range(2):
        _deliver(li, _stored_override(live, "move", ticket))
    told = li.wait_for_selector(".notice.warn:has-text('The dispatcher gave you')")
    assert told.inner_text() == f"The dispatcher gave you ticket #{ticket} as stop 1"
    li.wait_for_selector(f".stop[data-ticket='{ticket}']")
    li.wait_for_selector(".notice.warn:has-text('New emergency')")
    shot(li, "c5-li-told-by-the-dispatcher-en")
    assert li.locator(".notice:has-text('The dispatcher gave you')").count() == 1
    assert li.locator(".notice:has-text('New emergency')").count() == 1
    assert li.evaluate("window.buzzes.length") == 1


def test_the_dispatcher_s_move_reaches_his_phone_through_the_stream(
        phone: Any, live: Live) -> None:
    """The same move, with nothing handed to the page: the server's stream must tell him."""
    li, ticket = _li_on_his_route(phone, live)
    live.staff.post("/overrides/move", json={
        "ticket_id": ticket, "technician_id": live.ids["li"], "position": 0,
        "reason": "technician_familiar"}).raise_for_status()
    li.wait_for_selector(f".notice:has-text('调度员把工单 #{ticket} 派给了你')", timeout=5000)


def test_the_intake_form_suggests_urgency_and_skill_and_shows_the_deadlines(
        browser: Any, live: Live) -> None:
    """Picking "gas" suggests an emergency for a plumber and previews the deadlines; the created
    ticket's deadlines (the server's) are shown."""
    desk, console = _console(browser, live, locale="en-US")
    try:
        form = console.locator("#intake-form")
        form.locator("select[name=site_id]").select_option("sunshine")
        form.locator("input[name=building]").fill("5号楼")
        form.locator("input[name=unit]").fill("1101")
        form.locator("select[name=category]").select_option("gas")
        assert form.locator("select[name=urgency]").input_value() == "emergency"
        assert form.locator("select[name=skill]").input_value() == "plumber"
        # The policy's targets, then the server's preview of the deadlines, before saving.
        assert console.inner_text("#intake-targets") == (
            "Accept by 15 min · On site by 30 min · Fixed by 120 min")
        console.wait_for_selector("#intake-preview dd[data-deadline=arrive_by]")
        form.locator("textarea[name=description]").fill("smell of gas in the kitchen")
        form.locator("button[type=submit]").click()
        result = console.wait_for_selector("#intake-result.ok")
        shot(console, "f1-intake-created-en", full_page=True)
        text = result.inner_text()
    finally:
        desk.close()
    created = [t for t in live.staff.get("/tickets").json() if t["unit"] == "1101"]
    assert len(created) == 1 and created[0]["urgency"] == "emergency"
    assert created[0]["skill"] == "plumber" and created[0]["site_id"] == "sunshine"
    assert f"#{created[0]['id']}" in text
    for label in ("Accept by", "On site by", "Fixed by"):
        assert label in text


def test_the_front_desk_records_a_phone_follow_up_from_the_console(
        browser: Any, live: Live) -> None:
    """A completed repair waits in the console's follow-up list; the desk records the
    resident's phone answer there, and the ticket closes (the loop is complete)."""
    ticket = live.ticket(building="3号楼", unit="301", urgency="routine", category="general")
    live.pin(ticket, live.ids["wang"])
    for status in ("accepted", "en_route", "on_site", "completed"):
        answer = live.staff.post(f"/tickets/{ticket}/status", json={"status": status})
        assert answer.status_code == 200, answer.text
    desk, console = _console(browser, live, locale="en-US")
    try:
        row = console.wait_for_selector(f"#followups li[data-followup='{ticket}']")
        assert "Record phone answer" in row.inner_text()
        row.query_selector("select[name=rating]").select_option("4")
        row.query_selector("select[name=fixed]").select_option("true")
        shot(console, "i1-followup-list-en", full_page=True)
        row.query_selector("button.small:not(.plain)").click()
        console.wait_for_selector(f"#followups li[data-followup='{ticket}']", state="detached")
    finally:
        desk.close()
    answered = live.staff.get(f"/tickets/{ticket}/followup").json()
    assert (answered["state"], answered["rating"], answered["fixed"]) == ("answered", 4, True)
    assert answered["channel"] == "phone"
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "closed"


def _complete_from_console(console: Any, ticket_id: int, *, fixed: bool, notes: str) -> str:
    """Fill the desk's completion form, send it, and return the answer shown under it."""
    form = console.locator("#complete-form")
    form.locator("input[name=ticket_id]").fill(str(ticket_id))
    form.locator("select[name=fixed]").select_option("true" if fixed else "false")
    form.locator("textarea[name=notes]").fill(notes)
    console.evaluate("document.getElementById('complete-msg').className = 'msg'")
    form.locator("button[type=submit]").click()
    return console.wait_for_selector("#complete-msg.ok, #complete-msg.bad").inner_text()


def test_the_desk_completes_a_job_a_technician_phoned_in(browser: Any, live: Live) -> None:
    """wang phones the desk: done, but it needs another visit. Sent before he checked in it is
    refused with the server's reason; on site, the console completes it and reads back the
    second visit's number. The ticket is completed, its resident follow-up open, and exactly
    one ticket redoes it."""
    ticket = live.ticket(building="3号楼", unit="305", urgency="routine", category="general")
    live.pin(ticket, live.ids["wang"])
    desk, console = _console(browser, live)
    try:
        refused = _complete_from_console(console, ticket, fixed=False, notes="阀门锈死，需订配件")
        assert "cannot go from assigned to completed" in refused
        assert console.locator("#complete-msg.bad").count() == 1
        live.staff.post(f"/tickets/{ticket}/check-in",
                        json={"lat": 31.2196, "lon": 121.5294}).raise_for_status()
        answer = _complete_from_console(console, ticket, fixed=False, notes="阀门锈死，需订配件")
        shot(console, "k1-desk-completed-a-job-zh", full_page=True)
    finally:
        desk.close()
    body = live.staff.get(f"/tickets/{ticket}").json()
    assert body["status"] == "completed" and body["fixed_first_time"] is False
    assert body["resolution_notes"] == "阀门锈死，需订配件"
    second = [t["id"] for t in live.staff.get("/tickets").json() if t["follow_up_of"] == ticket]
    assert len(second) == 1
    assert answer == f"工单 #{ticket} 已完工 — 再次上门工单 #{second[0]}"
    # The closed loop: every completion opens the resident follow-up and records the rework.
    assert live.staff.get(f"/tickets/{ticket}/followup").status_code == 200
    reworks = [t["id"] for t in live.staff.get("/tickets").json() if t["rework_of"] == ticket]
    assert len(reworks) == 1


def test_reasons_read_in_the_console_s_language(browser: Any, live: Live) -> None:
    """An elevator fault no one on shift can fix: the reason in Chinese, then in English after
    the switch (the server renders it for the language the console asks in)."""
    ticket = live.ticket(building="1号楼", unit="101", urgency="routine", category="elevator")
    context, page = _console(browser, live)
    row = page.locator(f"#tickets tr[data-id='{ticket}']")
    row.locator("text=当班师傅中无人具备“电梯工”技能").wait_for()
    shot(page, "c5-reason-zh")
    page.click("#lang")
    row.locator("text=no technician on shift has skill 'elevator'").wait_for()
    context.close()


def test_repeat_reports_of_one_fault_are_merged_from_the_console(browser: Any,
                                                                 live: Live) -> None:
    """Five residents of 3号楼 report the same power cut: the four later rows say 疑似重复
    with the reason; one click on the first row merges them, and the list keeps one job. Then
    a fifth report is told apart ("不是重复")."""
    first = live.ticket(building="3号楼", unit="101", category="electric")
    repeats = [live.ticket(building="3号楼", unit=f"{k}01", category="electric")
               for k in range(2, 6)]
    context, page = _console(browser, live)
    row = page.locator(f"#tickets tr[data-id='{repeats[0]}']")
    row.locator(f"text=疑似重复 #{first}").wait_for()
    row.locator(f"text=可能与工单 {first} 为同一故障").wait_for()
    shot(page, "c6-duplicates-zh", full_page=True)
    page.click(f"#tickets tr[data-id='{first}'] button[data-action=merge-proposed]")
    for ticket in repeats:
        page.wait_for_selector(f"#tickets tr[data-id='{ticket}']", state="detached")
    assert [t["status"] for t in (live.staff.get(f"/tickets/{k}").json() for k in repeats)] \
        == ["merged"] * 4
    other = live.ticket(building="3号楼", unit="601", category="electric")
    page.click(f"#tickets tr[data-id='{other}'] button[data-action=not-duplicate]")
    page.wait_for_selector(f"#tickets tr[data-id='{other}'] .dup", state="detached")
    assert live.staff.get(f"/tickets/{other}").json()["duplicate_candidate"] is None
    context.close()


def test_the_intake_form_makes_a_second_visit_that_waits_for_the_first(
        browser: Any, live: Live) -> None:
    """The front desk books the second visit of a repair whose part is on order: it follows
    the first ticket, 2 days after it is done, by the same technician; the console's list
    says, in Chinese, what it waits for."""
    first = live.ticket(building="2号楼", unit="603", urgency="routine", category="water")
    desk, console = _console(browser, live)
    try:
        form = console.locator("#intake-form")
        form.locator("select[name=site_id]").select_option("sunshine")
        form.locator("input[name=building]").fill("2号楼")
        form.locator("input[name=unit]").fill("603")
        form.locator("select[name=category]").select_option("water")
        form.locator("select[name=urgency]").select_option("routine")
        form.locator("input[name=follows_id]").fill(str(first))
        form.locator("input[name=follows_delay]").fill("2880")
        form.locator("input[name=follows_same]").check()
        form.locator("textarea[name=description]").fill("换阀门（配件到货后）")
        form.locator("button[type=submit]").click()
        console.wait_for_selector("#intake-result.ok")
        [second] = [t for t in live.staff.get("/tickets").json() if t["follows"]]
        assert second["follows"] == {"ticket_id": first, "delay_minutes": 2880,
                                     "same_technician": True}
        assert second["duplicate_candidate"] is None  # the same place on purpose
        console.wait_for_selector(f"text=等待工单 {first} 完工后再排")
        shot(console, "f2-intake-second-visit-zh", full_page=True)
        # A link to a ticket that does not exist is refused with the server's reason.
        form.locator("input[name=follows_id]").fill("99999")
        form.locator("button[type=submit]").click()
        assert "99999" in console.wait_for_selector("#intake-result.bad").inner_text()
    finally:
        desk.close()


def test_a_dispatcher_chooses_a_technicians_home_area_by_site(
        browser: Any, live: Live) -> None:
    """li gets 阳光花园 as his home area, kept inside it: the server stores it, and the
    form shows it again for him."""
    desk, console = _console(browser, live)
    try:
        form = console.locator("#area-form")
        form.locator("select[name=technician_id]").select_option(str(live.ids["li"]))
        form.locator("#area-sites input[value=sunshine]").check()
        form.locator("input[name=strict]").check()
        form.locator("button[type=submit]").click()
        console.wait_for_selector("#area-form .msg.ok")
        shot(console, "f3-home-area-zh", full_page=True)
    finally:
        desk.close()
    li = live.staff.get(f"/technicians/{live.ids['li']}").json()
    assert li["home_area"] == {"sites": ["sunshine"], "polygons": [], "strict": True}
