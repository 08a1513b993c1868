"""Pure parts of the web console: the mail HTML sanitiser, approval previews and edits,
TOTP codes, passwords, safe redirects, limits from forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from righthand.errors import BadInput
from righthand.store.tables import ActionRow
from righthand.web import passwords, totp
from righthand.web.operations import parse_limits, phase_changes
from righthand.web.previews import Sender, coerce_changes, editable_fields, preview
from righthand.web.routes.login import safe_next
from righthand.web.sanitize import sanitize_mail_html

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("hostile", [
    '<script>alert(1)</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name="password"></form>',
    '<div style="background:url(https://track.example/p.gif)">x</div>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<p onclick="steal()">hello</p>',
    '<base href="https://evil.example/">',
    '<object data="x.swf"></object>',
])
def test_sanitiser_removes_active_content(hostile):
    cleaned = sanitize_mail_html(hostile).html.lower()
    for bad in ("<script", "onerror", "javascript:", "onload", "<iframe", "<form", "style=",
                "<meta", "onclick", "<base", "<object", "<svg"):
        assert bad not in cleaned


def test_sanitiser_keeps_formatting_and_safe_links():
    cleaned = sanitize_mail_html('<h1>Hi</h1><p>Visit <a href="https://ok.example/x">us</a>'
                                 '<br><strong>now</strong></p><ul><li>one</li></ul>').html
    assert "<h1>Hi</h1>" in cleaned and "<strong>now</strong>" in cleaned
    assert 'href="https://ok.example/x"' in cleaned
    assert 'rel="noopener noreferrer nofollow"' in cleaned and 'target="_blank"' in cleaned


def test_remote_images_are_blocked_by_default_and_shown_on_request():
    body = '<p>Hi</p><img src="https://track.example/open.gif?u=1" alt="logo">'
    blocked = sanitize_mail_html(body)
    assert "track.example" not in blocked.html and blocked.blocked_images == 1
    assert 'alt="logo"' in blocked.html
    shown = sanitize_mail_html(body, allow_remote_images=True)
    assert 'src="https://track.example/open.gif?u=1"' in shown.html and shown.blocked_images == 0


def test_inline_images_are_served_only_through_the_resolver():
    body = '<img src="cid:logo@x"><img src="/w/demo/settings"><a href="/logout">x</a>'
    cleaned = sanitize_mail_html(body, cid_url=lambda cid: f"https://console.example/p/{cid}")
    assert 'src="https://console.example/p/logo@x"' in cleaned.html
    assert "/w/demo" not in cleaned.html and "/logout" not in cleaned.html
    assert 'src="cid:' not in sanitize_mail_html(body).html


def _row(kind: str, duty: str, payload: dict) -> ActionRow:
    return ActionRow(id=7, workspace_id=1, duty=duty, kind=kind, payload=payload,
                     payload_hash="h", summary="s", initiative="reactive", undoable=False,
                     version=1, requested_by="client", decision="ask", decision_code="",
                     decision_reason="", state="awaiting_approval", created_at=NOW,
                     updated_at=NOW)


def test_an_email_preview_is_the_message_as_it_will_be_sent():
    from righthand.duties.email.manifest import EMAIL_SEND
    from righthand.policy.duties import DutyCatalog

    payload = {"recipients": ["bob@example.com"],
               "to": [{"name": "Bob <b>", "address": "bob@example.com"}],
               "subject": "Late <script>", "body": "Hi Bob,\n\nLate.\n",
               "html": "<p>Late</p><img src='https://t.example/x.gif'>"}
    shown = preview(_row("email.send", "email.send", payload), DutyCatalog([EMAIL_SEND]),
                    Sender("Pat Lee", "pat@example.com"), NOW)
    assert shown.kind == "email" and shown.external
    headers = dict(shown.email.headers)
    assert headers["From"] == "Pat Lee <pat@example.com>"
    assert headers["Subject"] == "Late <script>"  # data; the template escapes it
    assert shown.email.body_text == "Hi Bob,\n\nLate.\n"
    assert "t.example" not in shown.email.body_html
    assert {f.name for f in shown.editable} == {"subject", "body", "html"}


def test_edits_keep_each_fields_type_and_ignore_fixed_ones():
    payload = {"subject": "Hi", "count": 3, "ratio": 0.5, "recipients": ["a@b.c"], "amount": 5}
    assert [f.name for f in editable_fields(payload)] == ["subject", "count", "ratio"]
    changes = coerce_changes(payload, {"subject": "Hello", "count": "4", "ratio": "0.5",
                                       "recipients": "evil@x.y", "amount": "0"})
    assert changes == {"subject": "Hello", "count": 4}
    with pytest.raises(ValueError):
        coerce_changes(payload, {"count": "four"})


def test_totp_codes_allow_one_step_of_drift_and_never_twice():
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    step = totp.matching_step(secret, code, NOW, None)
    assert step is not None
    assert totp.matching_step(secret, code, NOW, step) is None  # replay
    assert totp.matching_step(secret, code, NOW + timedelta(seconds=30), None) is not None
    assert totp.matching_step(secret, code, NOW + timedelta(minutes=5), None) is None
    assert totp.matching_step(secret, "12345", NOW, None) is None
    assert totp.provisioning_uri(secret, "pat", "Righthand").startswith("otpauth://totp/")


def test_passwords_are_argon2id_and_checked():
    passwords.set_cost(time_cost=1, memory_cost=8, parallelism=1)
    stored = passwords.hash_password("a long enough phrase")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "a long enough phrase")
    assert not passwords.verify_password(stored, "a long enough phrasE")
    assert not passwords.verify_password("not a hash", "x")
    with pytest.raises(BadInput):
        passwords.hash_password("short")


@pytest.mark.parametrize(("target", "expected"), [
    ("/w/demo/today", "/w/demo/today"), ("https://evil.example/", "/"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("", "/"), (None, "/"), ("javascript:alert(1)", "/")])
def test_only_local_redirects_after_sign_in(target, expected):
    assert safe_next(target) == expected


def test_limits_from_the_form():
    limits = parse_limits({"spend_per_order": "200", "quiet_hours": "21:00-07:00",
                           "recipients": ""}, {"spend_per_order": "deny"})
    assert limits.to_json() == {"spend_per_order": "200", "quiet_hours": "21:00-07:00",
                                "when_exceeded": {"spend_per_order": "deny"}}
    with pytest.raises(BadInput):
        parse_limits({"spend_per_month": "lots"}, {})


def test_what_the_next_phase_changes_is_said_in_words():
    from righthand.duties import registry
    from righthand.policy.duties import Phase
    from righthand.policy.presets import preset

    catalog = registry.load().catalog
    titles = {d: m.title for d, m in catalog.items()}
    lines = phase_changes(preset(Phase.I, catalog, "UTC"), preset(Phase.II, catalog, "UTC"),
                          titles)
    assert any("switched on" in line for line in lines)
    assert phase_changes(preset(Phase.II, catalog, "UTC"), preset(Phase.II, catalog, "UTC"),
                         titles) == []
