"""The console in a real headless Chromium (Debian's, driven by Playwright): sign in, ask for
today's agenda, approve an email exactly as shown, change a duty's autonomy, and use it on a
phone-sized screen with the keyboard. Each test leaves a screenshot in
test-output/screenshots/."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from righthand.bootstrap import build
from righthand.policy.duties import Phase
from tests.conftest import make_settings
from tests.support.clock import FakeClock
from tests.support.servers import free_port, need
from tests.support.web import PASSWORD, Seeded, seed_demo, set_phase

pytestmark = [pytest.mark.server, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def monkeymodule() -> Iterator[pytest.MonkeyPatch]:
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


@pytest.fixture(scope="module")
def site(tmp_path_factory, sqlite_template, monkeymodule) -> Iterator[tuple[str, object, Seeded]]:
    """The console on a free loopback port, serving a demo office on SQLite."""
    need(Path(CHROMIUM).exists(), "Debian's chromium is not installed (apt-get install chromium)")
    need(find_spec("playwright") is not None, "Playwright for Python is not installed")
    import uvicorn

    from righthand.web.app import create_app

    folder = tmp_path_factory.mktemp("web")
    database = folder / "righthand.db"
    shutil.copy(sqlite_template, database)
    # A fixed 10:00 in New York: out of the demo's quiet hours, so approved mail goes out now.
    application = build(make_settings(folder, f"sqlite:///{database}"), clock=FakeClock())
    office = seed_demo(application, monkeymodule, Phase.II)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(application), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", application, office
    server.should_exit = True
    thread.join(timeout=10)
    application.db.dispose()


@pytest.fixture(scope="module")
def browser(site) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site, request):
    base, _application, office = site
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto("/login")
    tab.get_by_label("Username").fill(office.owner)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"**/w/{office.slug}/today")
    yield tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], errors  # no CSP violation, no script error


def test_sign_in_and_ask_for_todays_agenda(page, site):
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.III)
    page.get_by_role("link", name="Ask").click()
    page.get_by_label("Your request to Jane").fill("What's on my calendar today?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator("#conversation .said.assistant").last
    answer.wait_for()
    assert "Team stand-up" in answer.inner_text()
    assert "Jones closing prep" in answer.inner_text()
    # the form came back empty and focused (htmx out-of-band swap), ready for the next one
    assert page.get_by_label("Your request to Jane").input_value() == ""


def test_approve_an_email_exactly_as_shown(page, site):
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.II)
    page.get_by_role("link", name="Ask").click()
    page.get_by_label("Your request to Jane").fill(
        "Email Bob Miller that the inspection report is in")
    page.get_by_role("button", name="Send").click()
    page.locator("#conversation .badge", has_text="waiting for approval").wait_for()
    page.get_by_role("link", name="Approvals").click()
    card = page.locator("article.approval").first
    assert "bob.miller@example.com" in card.locator("dl.headers").inner_text()
    assert "The inspection report is in." in card.locator("pre.body").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "approvals_before_approving.png"), full_page=True)
    card.get_by_role("button", name="Approve").click()
    page.locator(".notice.ok", has_text="Approved and done").wait_for()
    sent = list(application.settings.outgoing_mail_dir.rglob("*.eml"))
    assert any("The inspection report is in." in p.read_text() for p in sent)


def test_change_a_duty_autonomy(page, site):
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.I)
    page.get_by_role("link", name="Job description").click()
    duty = page.locator("article#duty-supplies-order")
    duty.get_by_label("Autonomy").select_option("notify")
    duty.get_by_role("button", name="Save ordering office supplies").click()
    page.locator("article#duty-supplies-order .notice.ok").wait_for()
    assert "is now 'notify'" in page.locator("article#duty-supplies-order").inner_text()
    page.reload()
    assert page.locator("article#duty-supplies-order").get_by_label("Autonomy") \
        .input_value() == "notify"


# What reaches past a phone's width, for the message of a failed width check.
WIDE = """() => [...document.querySelectorAll('main *')].filter(
    e => e.getBoundingClientRect().right > 392).slice(0, 8).map(
    e => e.tagName + ' ' + (e.getAttribute('class') || e.id || '') + ' ' +
    Math.round(e.getBoundingClientRect().right))"""


def test_phone_sized_screen_and_keyboard(page, site):
    _base, _application, office = site
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/w/{office.slug}/today")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # every form field on the spine's pages has a label, and none scrolls sideways
    for path in ("today", "ask", "approvals", "job", "trust", "settings",
                 "settings/connections", "today/briefing"):
        page.goto(f"/w/{office.slug}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDE)
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px): {wide}"
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(e => !e.labels ||
            e.labels.length === 0).map(e => e.name || e.id)""")
        assert unlabelled == [], f"{path}: {unlabelled}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone_{path.replace('/', '_')}.png"), full_page=True)
    page.goto(f"/w/{office.slug}/today")
