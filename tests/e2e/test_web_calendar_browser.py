"""The calendar and the connections settings in a real headless Chromium: week and day views,
proposed slots and booking one through the gate; testing a connection; both pages on a
phone-sized screen (390x844) with every field labelled. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow
from tests.e2e.test_web_browser import SHOTS, browser, monkeymodule, page, site  # noqa: F401
from tests.support.web import set_phase

UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(e => (!e.labels || e.labels.length === 0) && !e.getAttribute('aria-label'))
    .map(e => e.name || e.id)"""


def _shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_calendar_week_day_and_booking_a_proposed_slot(page, site):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.III)
    page.get_by_role("link", name="Calendar").click()
    week = page.locator(".days.week")
    week.wait_for()
    assert page.locator(".days.week .card.day").count() == 7
    assert "Team stand-up" in week.inner_text()
    _shot(page, "calendar_week")
    page.get_by_role("link", name="Day", exact=True).click()
    page.locator(".days.day").wait_for()
    assert "Jones closing prep" in page.locator(".days.day").inner_text()
    page.get_by_label("What (e.g. lunch, call, viewing)").fill("coffee")
    page.get_by_label("How long (minutes)").fill("60")
    page.get_by_role("button", name="Propose times").click()
    slots = page.locator("ul.slots li")
    slots.first.wait_for()
    assert slots.count() >= 3
    first = slots.first.locator(".when").inner_text()
    _shot(page, "calendar_proposed_slots")
    slots.first.get_by_role("button", name="Book").click()
    page.locator(".notice", has_text="Book Coffee").wait_for()
    with application.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(
            ActionRow.duty == "appointments.schedule").order_by(ActionRow.id.desc())).first()
    assert action is not None and action.requested_by.startswith("client:")
    assert action.kind == "appointments.hold" and action.payload["summary"] == "Coffee"
    assert first.split(",")[0] in page.locator(".notice").first.inner_text()  # e.g. "Thu 26 Nov"
    _shot(page, "calendar_booked")


def test_test_connection_says_what_happened(page, site):  # noqa: F811
    _base, _application, office = site
    page.goto(f"/w/{office.slug}/settings")
    page.get_by_role("link", name="Connections").click()
    page.get_by_role("button", name="Test connection (the phone line)").click()
    result = page.locator("#test-phone")
    result.wait_for()
    assert "Failed (login)" in result.inner_text()  # the demo line has no carrier token
    page.get_by_label("Carrier auth token (not set)").fill("token-from-the-carrier")
    page.get_by_role("button", name="Save phone line").click()
    page.locator(".notice.ok", has_text="Phone line saved").wait_for()
    assert "token-from-the-carrier" not in page.content()
    page.get_by_role("button", name="Test connection (the phone line)").click()
    # with a token, the carrier is asked next -- which needs the account's SID
    page.locator("#test-phone", has_text="Account SID is missing").wait_for()
    assert "Failed (settings)" in page.locator("#test-phone").inner_text()
    _shot(page, "settings_connections")


def test_calendar_and_connections_on_a_phone(page, site):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.III)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("calendar", "calendar?view=day", "calendar/slots?what=call&minutes=30",
                 "settings", "settings/connections"):
        page.goto(f"/w/{office.slug}/{path}")
        assert page.locator("h1").count() == 1, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        assert page.evaluate(UNLABELLED) == [], path
        _shot(page, "phone_" + path.split("?")[0].replace("/", "_")
              + ("_day" if "view=day" in path else ""))
