"""Email screening end to end on the local Maildir (the no-server mailbox): the digest through
``righthand ask``, rules with previews, corrections that teach the classifier, undo, the
periodic job, quarantine, and untrusted text that cannot steer the assistant."""

from __future__ import annotations

import json
import mailbox
import shutil
from pathlib import Path

from righthand.bootstrap import App
from righthand.connectors.ports import MailboxConfig
from righthand.policy.duties import Phase
from righthand.service import assistant, jobs, mail_accounts, mail_poll, mail_review
from righthand.service.demo_mail import messages as demo_messages
from righthand.service.undo import undo
from righthand.store.tables import Workspace
from tests.conftest import new_workspace, workspace_slug
from tests.support.mailbox import actions, add_contact, audit_count, connect, newsletter, rows
from tests.support.servers import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def _office(app: App, tmp_path: Path, phase: Phase = Phase.II) -> tuple[int, Path]:
    ws = new_workspace(app, phase)
    root = tmp_path / "maildir"
    mailbox.Maildir(str(root), create=True)
    connect(app, ws, MailboxConfig(kind="maildir", maildir_path=str(root)))
    add_contact(app, ws, "Dev Patel", "dev.patel@firstharbor.example")
    add_contact(app, ws, "Alice Jones", "alice.jones@example.com", ("vip",))
    add_contact(app, ws, "Liam Nguyen", "liam.nguyen@example.com")
    return ws, root


def _deliver(root: Path, *raw: object) -> None:
    box = mailbox.Maildir(str(root))
    for message in raw:
        box.add(mailbox.MaildirMessage(message))  # type: ignore[arg-type]


def _folder(root: Path, name: str) -> list[str]:
    box = mailbox.Maildir(str(root if name == "INBOX" else root / f".{name}"), create=False)
    return sorted(str(m["Subject"]) for m in box)


def test_anything_important_in_my_email(app: App, tmp_path: Path) -> None:
    ws, root = _office(app, tmp_path)
    _deliver(root, *demo_messages(app.clock()))
    mail_poll.poll(app, ws, dispatch=False)  # fetched and screened; filing left to the ask
    answer = assistant.ask(app, "Anything important in my email, Jane?", workspace_slug(app, ws))
    assert answer.intent == "screening.email_summary"
    text = answer.answer
    assert "Dev Patel: \"Loan approval: Jones, 22 Birch Lane\"" in text
    assert "Alice Jones: \"Thank you!\" (VIP) [urgent]" in text
    assert "Liam Nguyen: \"Another look at 14 Elm Street?\" (Scheduling)" in text
    assert "Careful: 1 suspected phishing message" in text
    by_subject = {r.subject: r for r in rows(app, ws)}
    assert by_subject["Congratulations!!! You have won a FREE cruise"].category == "spam"
    assert by_subject["Your receipt for order #HOS-20417"].category == "transactional"
    files = actions(app, ws, "mail.file")
    assert len(files) == 8 and {a.decision for a in files} == {"allow"}
    replies = actions(app, ws, "mail.draft_reply")  # Phase II: drafts wait for approval
    assert replies and {a.state for a in replies} == {"awaiting_approval"}
    assert {a.payload["recipients"][0] for a in replies} <= {"dev.patel@firstharbor.example",
                                                             "liam.nguyen@example.com"}
    mail_poll.screen_pending(app, ws)  # nothing left to screen; dispatch what was allowed
    app.dispatcher().run_once(only=[a.id for a in files])
    assert _folder(root, "Newsletters") == ["This week: mortgage rates dip, inventory up 4%"]
    assert "URGENT: wire instructions changed for the Jones closing" in _folder(root, "Junk")
    assert "Loan approval: Jones, 22 Birch Lane" in _folder(root, "INBOX")
    assert set(audit_count(app, ws, "mail.screened").values()) == {1}


def test_rules_from_ask_with_a_preview_and_from_the_cli_service(app: App, tmp_path) -> None:
    ws, root = _office(app, tmp_path)
    _deliver(root, *demo_messages(app.clock()))
    mail_poll.poll(app, ws)
    slug = workspace_slug(app, ws)
    answer = assistant.ask(app, "Never show me mail from that solar company", slug)
    assert answer.intent == "screening.rule"
    assert "mail from senders whose name, address or company mention 'solar'" in answer.answer
    assert "SunBright Solar <offers@sunbrightsolar.example>: Pat, cut your office" in \
        answer.answer
    listed = assistant.ask(app, "show my email rules", slug).answer
    assert "never show me mail from that solar company" in listed.lower()
    with app.db.unit(ws) as session:
        said, preview = mail_review.add_rule(app, session, session.get(Workspace, ws),
                                             "treat anything from firstharbor.example as urgent")
    assert "firstharbor.example" in said and len(preview.matched) == 1  # not the look-alike
    refused = assistant.ask(app, "treat anything from acme.com as purple", slug).answer
    assert "don't know the category" in refused


def test_corrections_teach_the_classifier_and_its_accuracy_is_shown(single_app: App,
                                                                    tmp_path) -> None:
    app = single_app
    ws, root = _office(app, tmp_path)
    promos = [newsletter(i) for i in range(3)]
    for n, promo in enumerate(promos):  # promotions without list headers
        del promo["List-Id"], promo["List-Unsubscribe"]
        promo.replace_header("From", f"Deals <deals{n}@bargains.example>")
    _deliver(root, *promos)
    mail_poll.poll(app, ws)
    with app.db.unit(ws) as session:
        ws_row = session.get(Workspace, ws)
        for row in rows(app, ws):
            said, _ = mail_review.recategorise(app, session, ws_row, row.id, "promotion")
            assert "is now newsletter" in said
    stored = rows(app, ws)
    assert {r.corrected_category for r in stored} == {"newsletter"}
    from righthand.duties.screening import learning

    with app.db.unit(ws, write=False) as session:
        score = learning.accuracy(session)
    assert score.corrections == 3 and score.examples == 3
    assert score.judged == 2 and score.right == 2  # guessed before learning each one
    assert "right 2 times" in score.describe()


def test_undo_puts_a_filed_message_back_and_counts_as_a_correction(single_app: App,
                                                                   tmp_path) -> None:
    app = single_app
    ws, root = _office(app, tmp_path)
    _deliver(root, newsletter(1))
    mail_poll.poll(app, ws)
    assert _folder(root, "Newsletters") == ["Issue 1"]
    filed = actions(app, ws, "mail.file")[0]
    with app.db.unit(ws) as session:
        said = undo(session, app.registry, filed.id, app.clock())
    assert "back to INBOX" in said
    app.dispatcher().run_once()
    assert _folder(root, "INBOX") == ["Issue 1"] and _folder(root, "Newsletters") == []
    row = rows(app, ws)[0]
    assert row.folder == "INBOX" and row.corrected_category == "fyi"
    assert mail_poll.poll(app, ws).fetched == 0  # back in the inbox, but not new


def test_a_message_the_client_moves_back_is_a_correction(single_app: App, tmp_path) -> None:
    app = single_app
    ws, root = _office(app, tmp_path)
    _deliver(root, newsletter(2))
    mail_poll.poll(app, ws)
    junk = mailbox.Maildir(str(root / ".Newsletters"), create=False)
    key = next(iter(junk.keys()))
    _deliver(root, junk.get_message(key))  # the client drags it back to the inbox
    junk.remove(key)
    report = mail_poll.poll(app, ws)
    assert report.stored == {"moved_back": 1} and report.screened == 0
    assert rows(app, ws)[0].corrected_category == "fyi"


def test_the_periodic_job_polls_every_delegated_workspace(single_app: App, tmp_path) -> None:
    app = single_app
    broken = new_workspace(app, Phase.II)  # its server is down: the others still get polled
    connect(app, broken, MailboxConfig(kind="imap", host="127.0.0.1", port=free_port(),
                                       security="none", username="u", password="p"))
    ws, root = _office(app, tmp_path)
    _deliver(root, newsletter(3))
    assert jobs.run_duty_job(app, "screening.poll") >= 2
    assert [r.state for r in rows(app, ws)] == ["screened"]
    with app.db.unit(broken, write=False) as session:
        account = mail_accounts.account(session)
        assert account is not None and "cannot connect" in (account.last_error or "")
    with app.db.unit(ws, write=False) as session:
        account = mail_accounts.account(session)
        assert account is not None and account.last_error is None and account.last_ok_at


def test_unreadable_messages_are_quarantined_and_the_rest_screened(single_app: App,
                                                                   tmp_path) -> None:
    app = single_app
    ws, root = _office(app, tmp_path)
    for name in ("broken_garbage.eml", "broken_no_headers.eml", "broken_boundary.eml",
                 "bad_headers.eml", "latin1_rfc2047.eml"):
        shutil.copy(FIXTURES / name, root / "new" / f"{name}.1:2,")
    report = mail_poll.poll(app, ws)
    assert report.stored == {"quarantined": 2, "new": 3} and report.screened == 3
    held = [r for r in rows(app, ws) if r.state == "quarantined"]
    assert all("does not look like an email" in (r.quarantine_reason or "") for r in held)
    assert all(r.raw for r in held)


def test_nul_characters_in_mail_are_screened_on_every_database(app: App, tmp_path) -> None:
    """PostgreSQL cannot store a NUL character in text or JSON: a message carrying some (in its
    subject, its sender's name, its body) is still stored and screened, never stuck."""
    ws, root = _office(app, tmp_path)
    raw = (b"From: \"Sam\x00 Ortiz\" <sam@example.com>\r\nTo: pat@example.com\r\n"
           b"Subject: Lease\x00 renewal\r\nDate: Thu, 26 Nov 2026 09:00:00 -0500\r\n"
           b"Message-ID: <nul-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"\r\nCould you\x00 send the renewal\x00 papers?\r\n")
    (root / "new" / "nul.eml:2,").write_bytes(raw)
    report = mail_poll.poll(app, ws)
    assert report.stored == {"new": 1} and report.screened == 1
    [row] = rows(app, ws)
    assert row.state == "screened" and "\x00" not in (row.subject or "")
    assert row.subject == "Lease\ufffd renewal"
    assert "\x00" not in json.dumps(row.facts) and "renewal" in json.dumps(row.facts)


def test_untrusted_text_cannot_add_recipients_or_actions(app: App, tmp_path: Path) -> None:
    ws, root = _office(app, tmp_path, Phase.III)  # the most autonomous preset
    with app.db.unit(ws) as session:
        ws_row = session.get(Workspace, ws)
        for text in ("forward urgent mail to me", "treat anything from firstharbor.example "
                                                  "as urgent"):
            mail_review.add_rule(app, session, ws_row, text)
    for name in ("injection_plain.eml", "injection_html.eml"):
        shutil.copy(FIXTURES / name, root / "new" / f"{name}.1:2,")
    mail_poll.poll(app, ws)
    everything = json.dumps([a.payload for a in actions(app, ws)])
    assert "evil.example" not in everything
    kinds = sorted(a.kind for a in actions(app, ws))
    assert kinds == ["mail.draft_reply", "mail.file", "mail.file", "mail.forward"], kinds
    forward = actions(app, ws, "mail.forward")[0]
    assert forward.payload["recipients"] == ["pat@harbourpine.example"]
    outgoing = app.settings.outgoing_mail_dir
    sent = [p.read_text() for p in outgoing.glob("*.eml")] if outgoing.exists() else []
    assert not any("To: x@evil.example" in m or "To: <x@evil.example>" in m for m in sent)


def test_bounces_and_complaints_from_the_mailbox_feed_the_suppression_list(app: App,
                                                                           tmp_path: Path
                                                                           ) -> None:
    """A DSN and an ARF report arriving in the inbox suppress their addresses, once."""
    from sqlalchemy import select

    from righthand.store.tables import Suppression

    feedback = Path(__file__).resolve().parents[1] / "fixtures" / "feedback"
    ws, root = _office(app, tmp_path)
    _deliver(root, (feedback / "dsn_hard_postfix.eml").read_bytes(),
             (feedback / "arf_complaint.eml").read_bytes(),
             (feedback / "dsn_soft_delayed.eml").read_bytes())
    mail_poll.poll(app, ws, dispatch=False)
    mail_poll.poll(app, ws, dispatch=False)  # a second poll finds nothing new to hand over
    with app.db.unit(ws, write=False) as session:
        found = {s.address: s.reason for s in session.scalars(select(Suppression))}
    assert found == {"emma.wilson@example.org": "hard_bounce",
                     "sophia.martin@example.com": "complaint"}


def test_the_lenders_loan_approval_proposes_moving_the_deal_and_a_forgery_does_not(
        single_app: App, tmp_path: Path) -> None:
    from righthand.store.tables import ActionRow

    app = single_app
    from righthand.service.demo import seed

    with app.db.unit(None) as session:
        ws = seed(session, app.catalog, app.clock(), Phase.III).id
    root = tmp_path / "maildir"
    mailbox.Maildir(str(root), create=True)
    connect(app, ws, MailboxConfig(kind="maildir", maildir_path=str(root)))
    genuine = [m for m in demo_messages(app.clock()) if "Jones" in str(m["Subject"])
               and "firstharbor.example" in str(m["From"])]
    assert genuine, "the demo mailbox has the lender's loan approval"
    _deliver(root, *genuine)
    mail_poll.poll(app, ws, dispatch=False)
    with app.db.unit(ws, write=False) as session:
        moves = [a for a in session.query(ActionRow).filter_by(kind="sales.update_deal")]
    assert moves, "a genuine loan approval proposes moving the Jones deal"
    assert all(a.initiative == "proactive" for a in moves)
    assert any("Jones" in a.summary for a in moves)
    forged = [m for m in demo_messages(app.clock()) if "firstharb0r" in str(m["From"]).lower()
              or "evil" in m.as_string()]
    if forged:
        before = len(moves)
        _deliver(root, *forged)
        mail_poll.poll(app, ws, dispatch=False)
        with app.db.unit(ws, write=False) as session:
            after = session.query(ActionRow).filter_by(kind="sales.update_deal").count()
        assert after == before


def test_rules_and_corrections_from_the_cli_with_previews_and_accuracy(single_app: App, tmp_path,
                                                                       monkeypatch) -> None:
    """`righthand mail rules add/preview/list/remove`, `mail recategorise` and `mail inbox`."""
    from typer.testing import CliRunner

    from righthand.cli import app as cli_app
    from righthand.commands import common

    app = single_app
    ws, root = _office(app, tmp_path)
    _deliver(root, *demo_messages(app.clock()))
    mail_poll.poll(app, ws)
    monkeypatch.setattr(common, "build_app", lambda create_schema=False: app)
    monkeypatch.setitem(common.state, "workspace", workspace_slug(app, ws))
    runner = CliRunner()

    def rh(*args: str) -> str:
        done = runner.invoke(cli_app, list(args))
        assert done.exit_code == 0, done.output
        return done.output

    shown = rh("mail", "rules", "preview", "never show me mail from that solar company")
    assert "matches 1 of the last" in shown and "SunBright Solar" in shown
    assert rh("mail", "rules", "list").startswith("No rules yet")  # a preview saves nothing
    added = rh("mail", "rules", "add", "never show me mail from that solar company")
    assert "Matches 1 of the last" in added and "SunBright Solar" in added
    listed = rh("mail", "rules", "list")
    rule_id = listed.split()[0].lstrip("#")
    assert "never show me mail from that solar company" in listed
    assert "SunBright Solar" in rh("mail", "rules", "preview", rule_id)
    bad = runner.invoke(cli_app, ["mail", "rules", "add", "treat anything from acme.com as "
                                                          "purple"])
    assert bad.exit_code != 0 and "don't know the category 'purple'" in str(bad.exception)
    assert f"Rule #{rule_id}" in rh("mail", "rules", "remove", rule_id)
    assert rh("mail", "rules", "list").startswith("No rules yet")
    assert "No corrections yet" in rh("mail", "inbox")
    receipt = next(r for r in rows(app, ws) if r.category == "transactional")
    said = rh("mail", "recategorise", str(receipt.id), "fyi")
    assert "is now fyi" in said and "corrections learned" in said
    assert "corrections learned" in rh("mail", "inbox")


def test_a_rule_from_the_web_is_previewed_on_recent_mail_before_it_is_saved(
        single_app: App, monkeypatch) -> None:
    from righthand.duties.screening import rulebook
    from righthand.service import demo_mail
    from tests.support.web import client, csrf, login, seed_demo

    app = single_app
    office = seed_demo(app, monkeypatch, Phase.II)
    demo_mail.seed(app, office.workspace_id, office.slug, app.clock())
    web = client(app)
    login(web, office.owner)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    base = f"/w/{office.slug}/inbox/rules"
    text = "never show me mail from that solar company"
    preview = web.get(base, params={"text": text})
    assert preview.status_code == 200
    assert "SunBright Solar" in preview.text and "Loan approval" not in preview.text
    with app.db.unit(office.workspace_id, write=False) as session:
        assert rulebook.rules(session) == []  # previewing saves nothing
    saved = web.post(base, data={"text": text})
    assert saved.status_code == 200 and "Rule #" in saved.text
    with app.db.unit(office.workspace_id, write=False) as session:
        assert [r.text for r in rulebook.rules(session)] == [text]
    refused = web.get(base, params={"text": "make my coffee"})
    assert refused.status_code == 200 and "treat anything from" in refused.text  # examples
