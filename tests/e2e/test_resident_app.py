"""The resident's app in Chromium at phone size: opened from a unit's QR link, a repair is
reported with a photo; the technician accepting, arriving and finishing shows up without a
reload; the resident rates it; another unit's link sees none of it; a withdrawn link says so."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import BUILDINGS, SITE, Live, png, shot
from tests.e2e.test_console import _console


def _links(live: Live) -> dict[str, str]:
    res = live.staff.post("/unit-links", json={"site_id": SITE["id"], "building": "3号楼",
                                               "units": ["1202", "1203"],
                                               "lat": BUILDINGS["3号楼"][0],
                                               "lon": BUILDINGS["3号楼"][1]})
    res.raise_for_status()
    return {link["unit"]: link["url"].replace(live.url, "") for link in res.json()}


def test_a_resident_reports_follows_live_and_rates(phone: Any, live: Live, tmp_path: Any) -> None:
    links = _links(live)
    page = phone(at=BUILDINGS["3号楼"]).new_page()
    page.goto(links["1202"])
    page.wait_for_selector("#report")
    assert "阳光花园 · 3号楼 · 1202" in page.inner_text("#home")
    assert "#k=" not in page.url  # the code does not stay in the address bar
    page.select_option("select[name=category]", "water")
    page.fill("textarea[name=description]", "卫生间下水管漏水")
    assert page.locator("details.report[open]").count() == 1  # no reports yet: the form first
    picture = tmp_path / "leak.png"
    picture.write_bytes(png(1600, 1200))
    page.set_input_files("input[name=photos]", str(picture))
    page.wait_for_selector("#thumbs img")
    shot(page, "r1-report-form-zh")
    page.click("#report button[type=submit]")
    card = page.locator("article.ticket").first
    card.wait_for()
    ticket = int(card.get_attribute("data-ticket"))
    page.wait_for_selector(f"[data-ticket='{ticket}'] [data-progress=received]")
    page.wait_for_selector(f"[data-ticket='{ticket}']:has-text('1 张照片')")  # after the upload
    assert "最迟修复" in card.inner_text()
    shot(page, "r2-received-zh")
    body = live.staff.get(f"/tickets/{ticket}").json()
    assert (body["building"], body["unit"], body["urgency"]) == ("3号楼", "1202", "routine")
    assert [p["tag"] for p in live.staff.get(f"/tickets/{ticket}/photos").json()] == ["resident"]

    live.pin(ticket, live.ids["wang"])  # the rest arrives over the stream, no reload
    wang = live.login("wang", "wang-pass")
    page.wait_for_selector(f"[data-ticket='{ticket}'] [data-fact=technician]:has-text('wang')")
    wang.post(f"/tickets/{ticket}/accept", json={}).raise_for_status()
    page.wait_for_selector(f"[data-ticket='{ticket}'] [data-progress=accepted]")
    lat, lon = BUILDINGS["3号楼"]
    wang.post(f"/tickets/{ticket}/check-in", json={"lat": lat, "lon": lon}).raise_for_status()
    page.wait_for_selector(f"[data-ticket='{ticket}'] [data-progress=on_site]")
    shot(page, "r3-on-site-live-zh")
    wang.post(f"/tickets/{ticket}/complete", json={"notes": "更换密封圈"}).raise_for_status()
    page.wait_for_selector(f"[data-rating='{ticket}']")
    page.click(f"[data-rating='{ticket}'] [data-star='5']")
    page.fill(f"[data-rating='{ticket}'] input[name=comment]", "师傅很仔细")
    shot(page, "r4-rating-zh")
    page.click(f"[data-rating='{ticket}'] [data-fixed=true]")
    page.wait_for_selector(f"[data-ticket='{ticket}'] [data-progress=closed]")
    page.wait_for_selector(f"[data-reopen='{ticket}']")  # within 7 days, should it come back
    shot(page, "r5-rated-zh")
    assert live.staff.get(f"/tickets/{ticket}").json()["status"] == "closed"
    follow = live.staff.get(f"/tickets/{ticket}/followup").json()
    assert (follow["rating"], follow["channel"], follow["comment"]) == (5, "app", "师傅很仔细")

    neighbour = phone(at=BUILDINGS["3号楼"]).new_page()
    neighbour.goto(links["1203"])
    neighbour.wait_for_selector("#mine")
    assert neighbour.locator("article.ticket").count() == 0
    assert "还没有报修记录" in neighbour.inner_text("#mine")


def test_a_withdrawn_link_tells_the_resident_what_to_do(phone: Any, live: Live) -> None:
    links = _links(live)
    (link,) = [x for x in live.staff.get("/unit-links").json() if x["unit"] == "1202"]
    live.staff.post(f"/unit-links/{link['id']}/revoke").raise_for_status()
    page = phone(locale="en-US").new_page()
    page.goto(links["1202"])
    page.wait_for_selector("#link-error")
    assert "withdrew" in page.inner_text("#link-error")
    shot(page, "r6-withdrawn-en")


def test_a_complaint_is_answered_from_the_console_and_read_live(
        phone: Any, browser: Any, live: Live) -> None:
    """The resident complains in the app; the desk acknowledges and explains it in the
    console's complaints panel; the resident's page shows the answer without a reload."""
    links = _links(live)
    page = phone(at=BUILDINGS["3号楼"]).new_page()
    page.goto(links["1202"])
    page.wait_for_selector("#report")
    page.click("details.report:has(#complain) > summary")
    page.select_option("#complain select[name=topic]", "sanitation")
    page.fill("#complain textarea[name=text]", "3号楼楼道垃圾两天没清")
    page.click("#complain button[type=submit]")
    card = page.locator("article.complaint").first
    card.wait_for()
    assert "最迟受理" in card.inner_text() and "最迟答复" in card.inner_text()
    cid = card.get_attribute("data-complaint")

    context, desk = _console(browser, live)
    row = desk.locator(f"[data-complaint='{cid}']")
    row.wait_for()
    assert "环境卫生 · 3号楼 1202" in row.inner_text() and "待受理" in row.inner_text()
    row.locator("[data-step=acknowledge]").click()
    desk.wait_for_selector(f"[data-complaint='{cid}'] [data-step=explain]")
    row.locator("input[name=text]").fill("保洁主管已到场，今天内清运")
    shot(desk, "r7-console-complaint-zh")
    row.locator("[data-step=explain]").click()
    desk.wait_for_selector(f"[data-complaint='{cid}'] [data-step=close]")
    context.close()

    page.wait_for_selector(f"[data-complaint='{cid}'][data-state=explained]")
    assert "保洁主管已到场，今天内清运" in page.inner_text(f"[data-complaint='{cid}']")
    shot(page, "r8-complaint-answered-zh", full_page=True)


def test_the_console_prints_a_buildings_sheet_of_codes_that_open_the_app(
        browser: Any, live: Live) -> None:
    """The office types a building and its units ("1201-1203, 1301"); the sheet opens in a
    new tab with one code per unit, each the unit's link."""
    context, desk = _console(browser, live)
    desk.select_option("#qr-form select[name=site_id]", SITE["id"])
    desk.fill("#qr-form input[name=building]", "5号楼")
    desk.fill("#qr-form input[name=units]", "1201-1203, 1301")
    with context.expect_page() as opened:
        desk.click("#qr-form button[type=submit]")
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.locator("figure.card svg").count() == 4
    assert [sheet.locator("figure.card").nth(i).get_attribute("data-unit") for i in range(4)] \
        == ["1201", "1202", "1203", "1301"]
    assert "阳光花园 5号楼 报修二维码" in sheet.inner_text("h1")
    shot(sheet, "r9-qr-sheet-zh", full_page=True)
    links = live.staff.get("/unit-links", params={"building": "5号楼"}).json()
    assert sorted(x["unit"] for x in links) == ["1201", "1202", "1203", "1301"]
    context.close()
