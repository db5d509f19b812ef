"""The technician PWA in Chromium at phone size: the ticket flow, offline sync, access, install."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dispatcher.events.models import Event
from dispatcher.fieldwork.navigation import wgs84_to_gcj02
from tests.e2e.conftest import BUILDINGS, Live, jpeg_size, png, shot, sign_in


def _completions(live: Live, ticket_id: int) -> int:
    with live.engine.sessions() as s:
        rows = s.scalars(select(Event).where(Event.type == "ticket.completed"))
        return sum(1 for e in rows if e.payload.get("ticket_id") == ticket_id)


def _sent_position(live: Live, name: str, at: tuple[float, float]) -> None:
    """Wait until the server has `name` at `at` (he was created at 1号楼)."""
    deadline = time.monotonic() + 5
    while True:
        pos = live.staff.get(f"/technicians/{live.ids[name]}").json()["position"]
        if (pos["lat"], pos["lon"]) == pytest.approx(at):
            return
        assert time.monotonic() < deadline, f"no GPS fix from the app: {pos}"
        time.sleep(0.1)


def _synced(page: Any) -> None:
    page.wait_for_selector("#sync[data-count='0']")


def test_technician_takes_an_emergency_from_route_to_completion(
        phone: Any, live: Live, tmp_path: Any) -> None:
    """Sign in, see the route, accept, check in on site, photograph, complete: the server has it
    all, the photo shrunk to a JPEG of at most 1600 px, the check-in at the phone's position."""
    ticket = live.ticket(building="3号楼", unit="1202", description="厨房水管爆裂")
    live.pin(ticket, live.ids["wang"])
    context = phone()
    page = context.new_page()
    sign_in(page, "wang")
    stop = page.locator(f".stop[data-ticket='{ticket}']")
    stop.wait_for()
    assert "紧急" in stop.inner_text() and "阳光花园 · 3号楼 · 1202" in stop.inner_text()
    assert stop.locator("a[href^='geo:31.219600,121.529400']").count() == 1
    g_lat, g_lon = wgs84_to_gcj02(31.2196, 121.5294)  # AMap lands on the spot in China
    amap = stop.locator("a[data-provider=amap]")
    assert f"position={g_lon:.6f},{g_lat:.6f}&" in amap.get_attribute("href")
    assert amap.inner_text() == "高德地图" and stop.locator("a[data-provider=baidu]").count() == 1
    shot(page, "a1-route-zh")
    _sent_position(live, "wang", BUILDINGS["3号楼"])  # the app's GPS fix on opening

    stop.locator(".stop-main").click()
    page.wait_for_selector(".ticket a[data-provider=amap]")  # on its page too
    assert page.inner_text("#title") == f"工单 #{ticket}"
    assert "预计到达" in page.inner_text(".ticket .card.head")
    page.click("[data-action=accept]")
    page.wait_for_selector(".ticket[data-status='accepted']")
    page.click("[data-action=check-in]")
    page.wait_for_selector(".ticket[data-status='on_site']")
    _synced(page)
    head = page.inner_text(".ticket .card.head")  # there: no ETA, the fix deadline counts
    assert "预计到达" not in head and "修复剩余" in head and "阳光花园" in head
    picture = tmp_path / "leak.png"
    picture.write_bytes(png(2400, 1800))
    page.set_input_files("#photo-before", str(picture))
    page.wait_for_selector("#photo-count:has-text('1')")
    _synced(page)
    page.wait_for_selector(".thumbs figure:not(.pending) img")
    shot(page, "a2-photo-uploaded-zh")
    page.fill("textarea[name=notes]", "更换角阀")
    page.fill("textarea[name=parts]", "角阀 DN15 x2")
    page.locator("#complete").scroll_into_view_if_needed()
    shot(page, "a3-complete-form-zh")
    page.click("#complete")
    page.wait_for_selector(".notice:has-text('工单已完工')")  # the server's answer is in
    page.wait_for_selector(".route")
    _synced(page)
    page.wait_for_selector(f".stop[data-ticket='{ticket}']", state="detached")
    shot(page, "a4-route-after-completion-zh")

    body = live.staff.get(f"/tickets/{ticket}").json()
    assert body["status"] == "completed"
    assert body["fixed_first_time"] is True and body["resolution_notes"] == "更换角阀"
    assert body["parts"] == [{"name": "角阀 DN15", "qty": 2}]
    assert body["checkin_lat"] == pytest.approx(BUILDINGS["3号楼"][0])
    assert body["checkin_lon"] == pytest.approx(BUILDINGS["3号楼"][1])
    assert body["checkin_inside"] is True
    photos = live.staff.get(f"/tickets/{ticket}/photos").json()
    assert [(p["tag"], p["content_type"]) for p in photos] == [("before", "image/jpeg")]
    image = live.staff.get(f"/photos/{photos[0]['id']}").content
    assert max(jpeg_size(image)) == 1600
    assert _completions(live, ticket) == 1


def test_a_completion_made_offline_syncs_once_when_back_online(phone: Any, live: Live) -> None:
    """Offline the completion waits in the outbox (the badge says 1); online it is sent, and
    the server records exactly one completion."""
    ticket = live.ticket(building="5号楼", unit="301", urgency="routine", category="general")
    live.pin(ticket, live.ids["wang"])
    wang = live.login("wang", "wang-pass")
    wang.post(f"/tickets/{ticket}/check-in", json={"lat": 31.2196, "lon": 121.5306})
    context = phone(locale="en-US", at=BUILDINGS["5号楼"])
    page = context.new_page()
    sign_in(page, "wang")
    page.click(f".stop[data-ticket='{ticket}'] .stop-main")
    page.wait_for_selector(".ticket[data-status='on_site']")

    context.set_offline(True)
    page.fill("textarea[name=notes]", "replaced the tap washer")
    page.check("input[name=fixed][value=true]")
    page.click("#complete")
    page.wait_for_selector("#sync[data-count='1']")
    assert page.inner_text("#sync") == "1 waiting to sync"
    shot(page, "b1-offline-one-waiting-en")
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "on_site"

    context.set_offline(False)
    _synced(page)
    shot(page, "b2-back-online-synced-en")
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "completed"
    assert _completions(live, ticket) == 1


def _signal_lost_after(context: Any, action: str, downloads: list[str]) -> list[str]:
    """From the moment the server has answered the POST to `action`, every GET matching one of
    `downloads` fails as on a dropped signal. Returns the URLs refused so far (it grows)."""
    answered: list[str] = []
    refused: list[str] = []

    def send(route: Any) -> None:
        response = route.fetch()
        answered.append(route.request.url)
        route.fulfill(response=response)

    def download(route: Any) -> None:
        if answered and route.request.method == "GET":
            refused.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.fallback()

    context.route(f"**/api/v1{action}", send)
    for pattern in downloads:
        context.route(pattern, download)
    return refused


def _refused(page: Any, refused: list[str], url: str) -> None:
    """Wait until a GET of `url` has failed, then for the app to have drawn what it has left
    (a fallback to a stored copy follows the failure at once: one IndexedDB read)."""
    deadline = time.monotonic() + 10
    while not any(u.endswith(url) for u in refused):
        assert time.monotonic() < deadline, f"the app did not download {url} again: {refused}"
        page.wait_for_timeout(100)  # Playwright serves the route handlers while it waits
    page.wait_for_timeout(500)


def _shows_on_site(page: Any) -> None:
    assert page.inner_text("#ticket-status") == "在现场"
    assert page.locator("[data-action=check-in]").count() == 0
    assert page.locator("#complete-form").count() == 1


def test_a_synced_check_in_stays_on_screen_when_the_signal_then_drops(
        phone: Any, live: Live) -> None:
    """The check-in reaches the server, then every download of the ticket and the route fails.
    The app shows the server's answer to the check-in (on site, the completion form, on the
    route too, and after a reload), never the copy it downloaded before."""
    ticket = live.ticket(building="3号楼", unit="702", urgency="routine", category="general")
    live.pin(ticket, live.ids["wang"])
    live.login("wang", "wang-pass").post(f"/tickets/{ticket}/accept").raise_for_status()
    context = phone()
    page = context.new_page()
    sign_in(page, "wang")
    page.click(f".stop[data-ticket='{ticket}'] .stop-main")
    page.wait_for_selector(".ticket[data-status='accepted']")
    refused = _signal_lost_after(context, f"/tickets/{ticket}/check-in",
                                 [f"**/api/v1/tickets/{ticket}", "**/api/v1/me/route"])

    page.click("[data-action=check-in]")
    _synced(page)
    _refused(page, refused, f"/api/v1/tickets/{ticket}")
    assert page.inner_text("#sync") == "已全部同步"
    _shows_on_site(page)
    shot(page, "j1-checked-in-then-signal-lost-zh")
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "on_site"

    page.click(".ticket .back")
    assert page.inner_text(f".stop[data-ticket='{ticket}'] .status") == "在现场"
    assert any(u.endswith("/api/v1/me/route") for u in refused)
    page.reload()  # from the stored copies alone: the app's and the service worker's
    page.wait_for_selector(f".stop[data-ticket='{ticket}']")
    _refused(page, refused, "/api/v1/me/route")
    assert page.inner_text(f".stop[data-ticket='{ticket}'] .status") == "在现场"
    page.click(f".stop[data-ticket='{ticket}'] .stop-main")
    _refused(page, refused, f"/api/v1/tickets/{ticket}")
    _shows_on_site(page)


def test_a_technician_cannot_open_another_technicians_ticket(phone: Any, live: Live) -> None:
    """li's ticket, opened by wang's app from a link, shows 403 and none of its details."""
    theirs = live.ticket(building="2号楼", unit="901", description="李师傅的工单")
    live.pin(theirs, live.ids["li"])
    context = phone()
    page = context.new_page()
    sign_in(page, "wang")
    page.goto(f"/app/#/ticket/{theirs}")
    refused = page.wait_for_selector(".refused")
    assert "403" in refused.inner_text()
    assert "李师傅的工单" not in page.inner_text("body")
    shot(page, "d1-forbidden-zh")


def test_the_app_is_installable_and_opens_offline(phone: Any, live: Live) -> None:
    """A manifest with 192/512 icons and standalone display, an active service worker at /app/;
    offline, a reload still shows the shell and the last route."""
    ticket = live.ticket(building="1号楼", unit="502", urgency="routine", category="general")
    live.pin(ticket, live.ids["wang"])
    context = phone()
    page = context.new_page()
    sign_in(page, "wang")
    page.wait_for_selector(f".stop[data-ticket='{ticket}']")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.scope)")
    assert scope == f"{live.url}/app/"
    manifest = page.evaluate("""fetch(document.querySelector('link[rel=manifest]').href)
        .then(r => r.json())""")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/app/"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert page.request.get(f"/app/{icon['src']}").headers["content-type"] == "image/png"
    # A function: an expression is eval'd in the page, which the app's CSP refuses.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.reload()
    page.wait_for_selector(f".stop[data-ticket='{ticket}']")
    assert page.inner_text("#conn") == "离线"
    shot(page, "e1-offline-reload-zh")


def _fits_a_thumb(page: Any) -> None:
    """Nothing wider than the screen, and every button and link-button at least 44 px tall."""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    small = page.evaluate("""[...document.querySelectorAll('button, .btn')]
        .filter(b => b.offsetParent !== null && b.getBoundingClientRect().height < 44)
        .map(b => b.textContent)""")
    assert small == []


def test_needs_another_visit_and_resident_not_home_at_360_px(phone: Any, live: Live) -> None:
    """On the narrowest phone: completing with "needs another visit" reports the follow-up
    ticket; "resident not home" takes the other stop off the route and back to the desk."""
    first = live.ticket(building="1号楼", unit="101", urgency="routine", category="general")
    second = live.ticket(building="2号楼", unit="202", urgency="routine", category="general")
    for ticket in (first, second):
        live.pin(ticket, live.ids["wang"])
    live.login("wang", "wang-pass").post(f"/tickets/{first}/check-in",
                                         json={"lat": 31.2204, "lon": 121.5294})
    context = phone(at=BUILDINGS["1号楼"])
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, "wang")
    page.wait_for_selector(f".stop[data-ticket='{second}']")
    _fits_a_thumb(page)

    page.click(f".stop[data-ticket='{first}'] .stop-main")
    page.wait_for_selector(".ticket[data-status='on_site']")
    _fits_a_thumb(page)
    page.fill("textarea[name=notes]", "需要更换整个龙头，配件缺货")
    page.check("input[name=fixed][value=false]")
    page.click("#complete")
    notice = page.wait_for_selector(".notice:has-text('跟进工单')")
    follow_up = live.staff.get(f"/tickets/{first}").json()
    assert follow_up["status"] == "completed" and follow_up["fixed_first_time"] is False
    assert f"#{first + 2}" in notice.inner_text()
    revisit = live.staff.get(f"/tickets/{first + 2}").json()
    assert revisit["follow_up_of"] == first and revisit["follows"]["ticket_id"] == first
    # The second visit is a linked one: wang, sent to it, reads what it follows.
    live.pin(first + 2, live.ids["wang"])
    page.click(f".stop[data-ticket='{first + 2}'] .stop-main")
    assert f"#{first}" in page.wait_for_selector("#follows").inner_text()
    page.click("a.back")

    page.click(f".stop[data-ticket='{second}'] .stop-main")
    page.click("[data-action=not-home]")
    page.fill(".not-home input[name=note]", "敲门两次无人")
    shot(page, "g1-not-home-360-zh")
    page.click("[data-action=not-home-send]")
    page.wait_for_selector(".notice:has-text('已标记住户不在家')")
    page.wait_for_selector("section.route")  # the route again, where the stop is gone
    page.wait_for_selector(f".stop[data-ticket='{second}']", state="detached")
    _synced(page)
    back = live.staff.get(f"/tickets/{second}").json()
    assert back["status"] == "new" and back["not_home_count"] == 1
    assert back["assignment"]["technician_id"] is None


def test_the_outbox_retries_server_errors_and_drops_refusals_with_the_reason(
        phone: Any, live: Live) -> None:
    """A 503 keeps the action waiting until it goes through once; an accept made offline for a
    ticket the dispatcher meanwhile gave to li is refused (403), dropped and explained."""
    mine = live.ticket(building="3号楼", unit="303", urgency="routine", category="general")
    given_away = live.ticket(building="5号楼", unit="505", urgency="routine", category="general")
    for ticket in (mine, given_away):
        live.pin(ticket, live.ids["wang"])
    context = phone(locale="en-US")
    page = context.new_page()
    sign_in(page, "wang")

    failures = []

    def unavailable(route: Any) -> None:
        failures.append(route.request.headers["idempotency-key"])
        route.fulfill(status=503, json={"detail": "down for a moment"})

    context.route("**/api/v1/tickets/*/accept", unavailable)
    page.click(f".stop[data-ticket='{mine}'] .stop-main")
    page.click("[data-action=accept]")
    page.wait_for_selector("#sync[data-count='1']")
    assert len(failures) == 1
    context.unroute("**/api/v1/tickets/*/accept")
    page.click("#sync")  # send now rather than at the next 5 s retry
    _synced(page)
    assert live.staff.get(f"/tickets/{mine}").json()["status"] == "accepted"

    page.goto(f"/app/#/ticket/{given_away}")
    page.wait_for_selector("[data-action=accept]")
    context.set_offline(True)
    page.click("[data-action=accept]")
    page.wait_for_selector("#sync[data-count='1']")
    live.pin(given_away, live.ids["li"])
    context.set_offline(False)
    _synced(page)
    error = page.wait_for_selector(".notice.error")
    assert f"#{given_away} accept" in error.inner_text()
    assert "Not accepted by the server" in error.inner_text()
    assert "not assigned to 'wang'" in error.inner_text()
    shot(page, "h1-refused-action-dropped-en")
    body = live.staff.get(f"/tickets/{given_away}").json()
    assert body["accepted_at"] is None and body["assignment"]["technician_id"] == live.ids["li"]
    with live.engine.sessions() as s:
        accepted = [e.payload["ticket_id"] for e in s.scalars(
            select(Event).where(Event.type == "ticket.accepted"))]
    assert accepted == [mine]


def _assigned(live: Live, ticket_id: int, technician_id: int) -> None:
    """Wait until the server's re-plan has given `ticket_id` to `technician_id`."""
    deadline = time.monotonic() + 10
    while live.staff.get(f"/tickets/{ticket_id}").json()["assignment"]["technician_id"] \
            != technician_id:
        assert time.monotonic() < deadline, f"ticket {ticket_id} not planned for him"
        time.sleep(0.1)


def _li_at_a_booked_repair(live: Live) -> int:
    """Li, sent there by the dispatcher, is at work on a booked two-hour repair at 5号楼: the
    plan cannot take him off it. Returns the repair."""
    now = datetime.now(UTC)
    lat, lon = BUILDINGS["5号楼"]
    booked = live.staff.post("/tickets", json={
        "urgency": "scheduled", "category": "general", "lat": lat, "lon": lon,
        "site_id": "sunshine", "building": "5号楼", "unit": "501", "service_minutes": 120,
        "window": {"start": (now - timedelta(minutes=5)).isoformat(),
                   "end": (now + timedelta(hours=2)).isoformat()}}).json()["id"]
    live.pin(booked, live.ids["li"])
    _assigned(live, booked, live.ids["li"])
    live.login("li", "li-pass").post(f"/tickets/{booked}/check-in",
                                     json={"lat": lat, "lon": lon}).raise_for_status()
    return booked


def _a_tap(live: Live, at: tuple[float, float]) -> int:
    """A dripping tap at `at` (90 min of work), planned for Wang."""
    tap = live.staff.post("/tickets", json={
        "urgency": "routine", "category": "water", "lat": at[0], "lon": at[1],
        "site_id": "sunshine", "building": "1号楼", "unit": "101", "service_minutes": 90,
        "description": "水龙头滴水"}).json()["id"]
    _assigned(live, tap, live.ids["wang"])
    return tap


def _pre_empted(live: Live, page: Any, tap: int, notice: str, screenshot: str) -> None:
    """A burst pipe at 2号楼: Wang's app shows `notice`, and the burst pipe first on his
    route; the tap is back with the dispatcher."""
    burst = live.ticket(building="2号楼", unit="202", description="厨房水管爆裂")
    page.wait_for_selector(f".notice:has-text('{notice}')")
    page.wait_for_selector(f".stop[data-ticket='{burst}']")
    shot(page, screenshot)
    assert page.locator(".stop").first.get_attribute("data-ticket") == str(burst)
    assert live.staff.get(f"/tickets/{tap}").json()["status"] in ("new", "assigned")


def test_called_away_from_a_dripping_tap_for_a_burst_pipe(phone: Any, live: Live) -> None:
    """Wang is at work on a tap, Li on a booked repair he was sent to: a burst pipe next door
    cannot wait, so the plan calls Wang away. His app says so and leaves the tap's page."""
    booked = _li_at_a_booked_repair(live)
    lat, lon = BUILDINGS["1号楼"]
    tap = _a_tap(live, (lat, lon))
    live.login("wang", "wang-pass").post(f"/tickets/{tap}/check-in",
                                         json={"lat": lat, "lon": lon}).raise_for_status()
    page = phone(at=BUILDINGS["1号楼"]).new_page()
    sign_in(page, "wang")
    page.click(f".stop[data-ticket='{tap}'] .stop-main")
    page.wait_for_selector(".ticket[data-status='on_site']")
    _pre_empted(live, page, tap, f"请暂停 #{tap}", "h1-called-away-zh")
    assert live.staff.get(f"/tickets/{tap}").json()["on_site_at"] is not None
    assert live.staff.get(f"/tickets/{booked}").json()["status"] == "on_site"


def test_turned_round_on_his_way_to_a_tap_for_a_burst_pipe(phone: Any, live: Live) -> None:
    """Wang has set off for a tap 5 km away, Li is at a booked repair: the burst pipe next to
    Wang would wait for the tap, so the plan turns him round. His app says so."""
    _li_at_a_booked_repair(live)
    lat, lon = BUILDINGS["1号楼"]
    tap = _a_tap(live, (lat + 0.045, lon))
    wang = live.login("wang", "wang-pass")
    for action in ("accept", "start"):
        wang.post(f"/tickets/{tap}/{action}").raise_for_status()
    page = phone(at=BUILDINGS["1号楼"]).new_page()
    sign_in(page, "wang")
    page.wait_for_selector(f".stop[data-ticket='{tap}']")
    _pre_empted(live, page, tap, "请掉头", "h1-turned-round-zh")
    assert live.staff.get(f"/tickets/{tap}").json()["en_route_at"] is not None

