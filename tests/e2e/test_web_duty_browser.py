"""The duty pages in a real headless Chromium: import a contact CSV (progress, report), approve
a mailing, move a deal (drag, and the keyboard's "move to"), and every duty page renders on a
phone-sized screen with no console error and every field labelled. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import (
    CallRow,
    ContactRow,
    DealRow,
    Mailing,
    MailingListRow,
    MailMessage,
)
from tests.e2e.test_web_browser import SHOTS, browser, monkeymodule, page, site  # noqa: F401
from tests.support.web import set_phase

CSV = (b"Name,Email,Company\nAda Lovelace,ada@example.com,Engines Ltd\n"
       b"Grace Hopper,grace@example.com,Navy\nNo Address,not-an-email,\n")


def _shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_import_a_contact_csv(page, site, tmp_path):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.II)
    people = tmp_path / "people.csv"
    people.write_bytes(CSV)
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV or vCard (.vcf) file").set_input_files(str(people))
    page.get_by_label("Subscribe everyone imported to (optional)").select_option("newsletter")
    page.get_by_role("button", name="Check and import").click()
    page.locator("#import-progress", has_text="Imported.").wait_for()
    report = page.locator("#import-progress").inner_text()
    assert "created 2" in report and "invalid 1" in report
    bar = page.locator("#import-bar")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "2"  # two rows imported
    assert "2 of 2 rows" in report
    _shot(page, "contacts_import_report")
    page.get_by_role("link", name="← Imports").click()
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search by name, company, email or phone").fill("Lovelace")
    page.get_by_role("button", name="Search").click()
    assert "Engines Ltd" in page.locator("table").inner_text()


def test_approve_a_mailing(page, site):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.I)
    with application.db.unit(office.workspace_id, write=False) as session:
        spring = session.scalars(select(Mailing).where(Mailing.status == "draft")).first()
    page.get_by_role("link", name="Mailings").click()
    page.get_by_role("link", name=spring.name).click()
    assert page.locator(".email .headers").is_visible()
    page.get_by_role("button", name="Send to").click()
    page.locator(".notice", has_text="approval").wait_for()
    page.get_by_role("link", name="Approvals").first.click()
    card = page.locator("article.approval", has_text=spring.name).first
    _shot(page, "mailing_waiting_for_approval")
    card.get_by_role("button", name="Approve").click()
    page.locator(".notice.ok", has_text="Approved").wait_for()
    page.goto(f"/w/{office.slug}/mailings/{spring.id}")
    page.locator("#mailing-progress", has_text="sent").wait_for()
    _shot(page, "mailing_results")


def test_move_a_deal(page, site):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.III)
    page.get_by_role("link", name="Pipeline").click()
    page.locator("img.funnel").wait_for()
    cards = page.locator("li.deal")
    first = cards.first
    title = first.locator("a").first.inner_text()
    columns = page.locator(".column")
    here = first.locator("xpath=ancestor::section[contains(@class,'column')]")
    current = here.get_attribute("data-stage")
    target = next(c for c in (columns.nth(i) for i in range(columns.count()))
                  if c.get_attribute("data-stage") != current)
    first.drag_to(target, source_position={"x": 4, "y": 4}, target_position={"x": 20, "y": 20})
    page.locator(".notice.ok", has_text=f"Move {title}").wait_for()
    _shot(page, "pipeline_after_drag")
    # the keyboard's way: the card's own "Move to" menu and button
    card = page.locator("li.deal", has_text=title).first
    menu = card.get_by_label(f"Move {title} to")
    menu.focus()
    menu.select_option(index=0)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator(".notice", has_text=title).last.wait_for()
    with application.db.unit(office.workspace_id, write=False) as session:
        deal = session.scalars(select(DealRow).where(DealRow.title == title)).one()
    page.goto(f"/w/{office.slug}/pipeline/deals/{deal.id}")
    assert "Moved from" in page.locator("ol.timeline").inner_text()
    _shot(page, "deal_timeline")


def test_every_duty_page_renders_on_a_phone_with_labels(page, site):  # noqa: F811
    _base, application, office = site
    set_phase(application, office.workspace_id, Phase.III)
    from righthand.service import demo_mail
    demo_mail.seed(application, office.workspace_id, office.slug, application.clock())
    with application.db.unit(office.workspace_id, write=False) as session:
        contact = session.scalars(select(ContactRow)).first().id
        deal = session.scalars(select(DealRow)).first().id
        mailing = session.scalars(select(Mailing)).first().id
        message = session.scalars(select(MailMessage)).first().id
        mailing_list = session.scalars(select(MailingListRow)).first().id
        call = session.scalars(select(CallRow)).first().id
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("pipeline", f"pipeline/deals/{deal}", "contacts", f"contacts/{contact}",
                 "contacts/import", "contacts/duplicates", "lists", f"lists/{mailing_list}",
                 "mailings", f"mailings/{mailing}", "inbox", f"inbox/messages/{message}",
                 f"inbox/calls/{call}", "inbox/rules", "supplies", "trust"):
        page.goto(f"/w/{office.slug}/{path}")
        assert page.locator("h1").count() == 1, path
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(
            e => e.getBoundingClientRect().right > 392).slice(0, 8).map(
            e => e.tagName + ' ' + (e.getAttribute('class') || '') + ' ' +
            Math.round(e.getBoundingClientRect().right))""")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px): {wide}"
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')].filter(e => !e.labels ||
            e.labels.length === 0).map(e => e.name || e.id)""")
        assert unlabelled == [], f"{path}: {unlabelled}"
        _shot(page, "phone_" + path.replace("/", "_"))
