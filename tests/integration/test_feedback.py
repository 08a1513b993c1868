"""Bounces (RFC 3464) and complaints (RFC 5965) from the mailbox feed the suppression list."""

from __future__ import annotations

import pytest

from righthand.duties.lists.feedback import process_feedback
from righthand.duties.lists.segments import recipients
from righthand.duties.lists.suppression import find
from righthand.duties.lists.unsubscribe_tokens import make_token
from righthand.errors import Bug
from tests.conftest import new_workspace
from tests.support.contacts import FEEDBACK, import_bytes, make_list

PEOPLE = (b"name,email\nEmma Wilson,emma.wilson@example.org\nLiam Nguyen,liam.nguyen@example.com\n"
          b"Noah Davis,noah.davis@example.com\nSophia Martin,sophia.martin@example.com\n"
          b"Olivia Brown,olivia.brown@example.com\n")


def _feed(app, ws, name: str, raw: bytes | None = None):
    with app.db.unit(ws) as session:
        return process_feedback(session, raw or (FEEDBACK / name).read_bytes(), app.clock())


def _deliverable(app, ws, list_id):
    with app.db.unit(ws, write=False) as session:
        return {r.address for r in recipients(session, list_id)}


def test_hard_bounce_is_suppressed(app):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    result = _feed(app, ws, "dsn_hard_postfix.eml")
    assert result.kind == "dsn" and result.hard_bounces == ["emma.wilson@example.org"]
    assert result.suppressed == ["emma.wilson@example.org"] and result.soft_count == 0
    assert result.details[0].status == "5.1.1"
    with app.db.unit(ws, write=False) as session:
        row = find(session, "emma.wilson@example.org")
        assert row.reason == "hard_bounce" and "5.1.1" in row.source
    assert "emma.wilson@example.org" not in _deliverable(app, ws, newsletter)
    assert _feed(app, ws, "dsn_hard_postfix.eml").suppressed == []  # already there


def test_soft_bounce_is_counted_not_suppressed(app):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    result = _feed(app, ws, "dsn_soft_delayed.eml")
    assert (result.kind, result.soft_bounces, result.hard_bounces) == \
        ("dsn", ["liam.nguyen@example.com"], [])
    assert result.suppressed == []
    assert "liam.nguyen@example.com" in _deliverable(app, ws, newsletter)


def test_a_report_about_several_recipients(app):
    ws = new_workspace(app)
    import_bytes(app, ws, PEOPLE, "people.csv")
    result = _feed(app, ws, "dsn_mixed_recipients.eml")
    assert result.hard_bounces == ["noah.davis@example.com"]  # normalised from Noah.Davis@
    assert result.soft_bounces == ["olivia.brown@example.com"]  # failed, but 4.4.7
    assert "sophia.martin@example.com" not in result.hard_bounces + result.soft_bounces


def test_complaint_is_suppressed(app):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    result = _feed(app, ws, "arf_complaint.eml")
    assert (result.kind, result.complaints) == ("arf", ["sophia.martin@example.com"])
    with app.db.unit(ws, write=False) as session:
        assert find(session, "sophia.martin@example.com").reason == "complaint"
    assert "sophia.martin@example.com" not in _deliverable(app, ws, newsletter)


def test_a_redacted_complaint_is_traced_through_our_unsubscribe_link(app):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    token = make_token(app.settings, ws, newsletter, "olivia.brown@example.com",
                       now=app.clock())
    raw = (FEEDBACK / "arf_redacted_template.eml").read_bytes().replace(b"@@TOKEN@@",
                                                                         token.encode())
    result = _feed(app, ws, "", raw)
    assert result.complaints == ["olivia.brown@example.com"]
    assert "olivia.brown@example.com" not in _deliverable(app, ws, newsletter)


def test_ordinary_mail_changes_nothing(app):
    ws = new_workspace(app)
    result = _feed(app, ws, "not_a_report.eml")
    assert result.kind == "none" and result.suppressed == []


def test_feedback_needs_a_workspace(single_app):
    with single_app.db.unit(None) as session, pytest.raises(Bug):
        process_feedback(session, b"Subject: x\r\n\r\n", single_app.clock())
