"""The first slice through the spine, through the real `righthand` command on the default
SQLite install: Phase I refuses the calendar, adds Sue Park; Phase III reads the agenda."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def rh(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "righthand.cli", *args], env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def test_the_first_slice(rh, tmp_path):
    assert "Demo workspace ready" in rh("demo").stdout
    assert (tmp_path / "home" / "righthand.db").exists()

    refused = json.loads(rh("ask", "What's on my calendar today, Jane?", "--json").stdout)
    assert refused["intent"] == "calendar.agenda"
    assert refused["actions"] == []
    assert "Phase III" in refused["answer"] and "calendar.manage" in refused["answer"]
    assert "righthand phase set III" in refused["answer"]

    added = json.loads(rh("ask", "Add Sue Park, sue@example.com, to the newsletter list",
                          "--json").stdout)
    assert added["intent"] == "lists.subscribe"
    [action] = added["actions"]
    assert (action["duty"], action["kind"], action["decision"]) == \
        ("lists.maintain", "lists.subscribe", "allow")
    assert action["state"] == "done"
    assert set(action) >= {"id", "duty", "kind", "decision", "reason"}
    again = rh("ask", "Add Sue Park, sue@example.com, to the newsletter list").stdout
    assert "already on Newsletter" in again

    assert "Phase III" in rh("phase", "set", "III").stdout
    agenda = json.loads(rh("ask", "What's on my calendar today, Jane?", "--json").stdout)
    assert agenda["intent"] == "calendar.agenda"
    assert "Team stand-up" in agenda["answer"]
    assert "Jones closing prep" in agenda["answer"]
    assert "Phase III duty" not in agenda["answer"]

    audit_lines = rh("audit", "list", "--limit", "200").stdout
    for event in ("workspace.created", "job.changed", "request.received", "request.refused",
                  "action.decided", "action.delivered", "outcome.recorded"):
        assert event in audit_lines
    assert "intact" in rh("audit", "verify").stdout


def test_undo_reverses_a_list_change_and_says_when_it_cannot(rh):
    rh("demo")
    added = json.loads(rh("ask", "Add Sue Park, sue@example.com, to the newsletter list",
                          "--json").stdout)
    action_id = str(added["actions"][0]["id"])
    assert "off Newsletter again" in rh("undo", action_id).stdout
    twice = rh("undo", action_id, ok=False)
    assert twice.returncode == 1 and "already undone" in twice.stderr
    readd = json.loads(rh("ask", "Add Sue Park, sue@example.com, to the newsletter list",
                          "--json").stdout)
    assert readd["actions"][0]["state"] == "done"  # the contact and subscription were removed

    rh("phase", "set", "III")
    # The CLI runs on the real clock; outside New York's quiet hours mail goes at once.
    rh("duties", "set", "email.send", "--limit", "quiet_hours=none")
    sent = json.loads(rh("ask", "Email Bob Miller that I'm running ten minutes late",
                         "--json").stdout)
    [email] = sent["actions"]
    assert email["decision"] == "allow" and email["state"] == "done"
    refused = rh("undo", str(email["id"]), ok=False)
    assert refused.returncode == 1
    assert "cannot be undone" in refused.stderr and "correction" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_gated_email_waits_for_approval_then_goes_out(rh, tmp_path):
    rh("demo")
    rh("phase", "set", "II")
    rh("duties", "set", "email.send", "--limit", "quiet_hours=none")  # real clock: maybe night
    asked = json.loads(rh("ask", "Email Bob Miller that I'm running ten minutes late",
                          "--json").stdout)
    [email] = asked["actions"]
    assert email["decision"] == "ask" and email["state"] == "awaiting_approval"
    assert "waiting for your approval" in asked["answer"]
    outgoing = tmp_path / "home" / "outgoing"
    assert not outgoing.exists() or not list(outgoing.glob("*.eml"))
    listing = rh("approvals", "list").stdout
    assert f"#{email['approval_id']}" in listing and "bob.miller@example.com" in listing
    assert "done" in rh("approvals", "approve", str(email["approval_id"])).stdout
    [eml] = list(outgoing.glob("*.eml"))
    text = eml.read_text()
    assert "To: Bob Miller <bob.miller@example.com>" in text
    assert "I'm running ten minutes late." in text
    used = rh("approvals", "approve", str(email["approval_id"]), ok=False)
    assert "already approved" in used.stderr


def test_errors_are_one_line_with_what_to_do(rh):
    fresh = rh("ask", "hello", ok=False)
    assert fresh.returncode != 0
    assert "Traceback" not in fresh.stderr
    assert "righthand init" in fresh.stderr or "righthand demo" in fresh.stderr
    rh("demo")
    bad_phase = rh("phase", "set", "IV", ok=False)
    assert bad_phase.returncode == 2 and "I, II or III" in bad_phase.stderr
    assert len(bad_phase.stderr.strip().splitlines()) == 1
    bad_limit = rh("duties", "set", "supplies.order", "--limit", "spend_per_order=lots", ok=False)
    assert bad_limit.returncode == 2 and "amount" in bad_limit.stderr
    bad_duty = rh("duties", "set", "flights.book", "--autonomy", "auto", ok=False)
    assert "no duty called" in bad_duty.stderr
    missing = rh("approvals", "approve", "9999", ok=False)
    assert "no approval #9999" in missing.stderr


def test_job_description_edits_are_audited_and_shown(rh):
    rh("demo")
    rh("duties", "set", "supplies.order", "--autonomy", "notify",
       "--limit", "spend_per_order=200:deny", "--limit", "quiet_hours=21:00-07:00")
    table = rh("duties").stdout
    assert "spend_per_order=200 (deny)" in table
    assert "quiet_hours=21:00-07:00 (defer)" in table
    assert "job.changed" in rh("audit", "list", "--event", "job.").stdout
