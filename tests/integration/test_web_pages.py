"""The spine's pages and API at work: Today, Ask with inline decisions, Approvals (approve,
edit, reject, bulk, history), the job description, Trust and the audit log, Settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, AuditEntry, Workspace
from tests.support.web import add_user, client, csrf, login, seed_demo, set_phase, signed_in, unique


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


@pytest.fixture
def owner(single_app, office):
    return signed_in(single_app, office.owner, office.slug)


def _email(web, text="Email Bob Miller that the inspection report is in") -> dict:
    answer = web.post("/api/ask", json={"text": text}).json()
    [action] = answer["actions"]
    assert action["decision"] == "ask"
    return action


def test_today_shows_the_agenda_waiting_approvals_and_attention(single_app, office, owner):
    _email(owner)
    page = owner.get(f"/w/{office.slug}/today").text
    assert "Team stand-up" in page and "Jones closing prep" in page
    assert "Waiting for your approval" in page and "inspection report" in page
    assert "Printer paper" in page  # at or below its reorder point in the demo
    assert "Jones closing" in page  # a deal's next step is due


def test_ask_shows_each_action_with_its_decision(single_app, office, owner):
    base = f"/w/{office.slug}"
    htmx = {"HX-Request": "true"}
    refused = owner.post(f"{base}/ask", data={"text": "What's on my calendar today?"},
                         headers=htmx)
    assert "Phase III" in refused.text and 'hx-swap-oob="true"' in refused.text
    added = owner.post(f"{base}/ask", data={"text": "Add Sue Park, sue@example.com, to the "
                                                    "newsletter list"}, headers=htmx)
    assert "badge ok\">done" in added.text
    waiting = owner.post(f"{base}/ask", data={"text": "Email Bob Miller that I'm on my way"},
                         headers=htmx)
    assert "waiting for approval" in waiting.text and 'name="payload_hash"' in waiting.text
    set_phase(single_app, office.workspace_id, Phase.III)
    agenda = owner.post(f"{base}/ask", data={"text": "What's on my calendar today?"})
    assert agenda.status_code == 200 and "Team stand-up" in agenda.text
    set_phase(single_app, office.workspace_id, Phase.I)
    refused = owner.post(f"{base}/ask", data={"text": "Email Bob Miller that I'm on my way"})
    assert refused.status_code == 200 and "Phase II" in refused.text


def test_approving_the_email_shown_sends_exactly_that(single_app, office, owner):
    action = _email(owner)
    page = owner.get(f"/w/{office.slug}/approvals").text
    assert "<dt>To</dt><dd>Bob Miller &lt;bob.miller@example.com&gt;</dd>" in page
    assert "The inspection report is in." in page
    approval = owner.get(f"/api/approvals/{action['approval_id']}").json()
    stale = owner.post(f"/w/{office.slug}/approvals/{action['approval_id']}/approve",
                       data={"payload_hash": "0" * 64})
    assert stale.status_code == 409
    done = owner.post(f"/w/{office.slug}/approvals/{action['approval_id']}/approve",
                      data={"payload_hash": approval["action"]["payload_hash"]},
                      headers={"HX-Request": "true"})
    assert done.status_code == 200 and "Approved and done" in done.text
    sent = list((single_app.settings.outgoing_mail_dir).rglob("*.eml"))
    assert sent and "The inspection report is in." in sent[0].read_text()
    again = owner.post(f"/api/approvals/{action['approval_id']}/approve",
                       json={"payload_hash": approval["action"]["payload_hash"]})
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    history = owner.get(f"/w/{office.slug}/approvals").text
    assert "History" in history and f"client:{office.owner}" in history


def test_edit_makes_a_new_version_and_reject_records_why(single_app, office, owner):
    first = _email(owner)
    form = owner.get(f"/w/{office.slug}/approvals/{first['approval_id']}/edit")
    assert 'name="field__subject"' in form.text and 'name="field__recipients"' not in form.text
    edited = owner.post(f"/w/{office.slug}/approvals/{first['approval_id']}/edit",
                        data={"field__subject": "Inspection report attached"})
    assert "Edited and approved" in edited.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        versions = session.scalars(select(ActionRow).where(ActionRow.kind == "email.send")
                                   .order_by(ActionRow.id)).all()
        assert [v.state for v in versions] == ["superseded", "done"]
        assert versions[1].payload["subject"] == "Inspection report attached"
    second = _email(owner, "Email Maria Garcia that the closing moves to Friday")
    redirect = owner.post(f"/api/approvals/{second['approval_id']}/edit",
                          json={"changes": {"to": [{"address": "someone@else.example"}]}})
    assert redirect.status_code == 400 and "cannot be edited" in redirect.json()["detail"]
    rejected = owner.post(f"/api/approvals/{second['approval_id']}/reject",
                          json={"note": "not yet, I will call her"}).json()
    assert rejected["state"] == "rejected"
    with single_app.db.unit(office.workspace_id, write=False) as session:
        events = [e.event for e in session.scalars(select(AuditEntry))]
    assert "approval.edited" in events and "approval.rejected" in events


def test_bulk_approves_only_what_stays_inside(single_app, office, owner):
    external = _email(owner)
    set_phase(single_app, office.workspace_id, Phase.I)
    owner.put("/api/job/duties/lists.maintain", json={"autonomy": "ask"})
    inside = owner.post("/api/ask", json={"text": "Add Sue Park, sue@example.com, to the "
                                                  "newsletter list"}).json()["actions"][0]
    assert inside["decision"] == "ask"
    page = owner.post(f"/w/{office.slug}/approvals/bulk",
                      data={"how": "approve", "ids": [external["approval_id"],
                                                      inside["approval_id"]]})
    assert "approve it on its own after reading it" in page.text
    assert "Approved and done" in page.text
    pending = owner.get("/api/approvals").json()
    assert [p["id"] for p in pending] == [external["approval_id"]]
    owner.post(f"/w/{office.slug}/approvals/bulk",
               data={"how": "reject", "ids": [external["approval_id"]]})
    assert owner.get("/api/approvals").json() == []


def test_the_job_description_is_edited_line_by_line(single_app, office, owner):
    base = f"/w/{office.slug}"
    page = owner.get(f"{base}/job").text
    assert "What changes if you move to Phase III" in page
    assert "Managing your daily schedule" in page or "calendar" in page.lower()
    saved = owner.post(f"{base}/job/duties/supplies.order",
                       data={"autonomy": "notify", "initiative": "reactive", "limits": "1",
                             "limit__spend_per_order": "200", "mode__spend_per_order": "ask",
                             "limit__spend_per_month": "600", "mode__spend_per_month": "deny"},
                       headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "is now &#39;notify&#39;" in saved.text
    job = owner.get("/api/job").json()
    line = next(d for d in job["duties"] if d["duty"] == "supplies.order")
    assert line["autonomy"] == "notify"
    assert line["limits"]["spend_per_month"] == {"value": "600", "when_exceeded": "deny"}
    bad = owner.post(f"{base}/job/duties/supplies.order",
                     data={"autonomy": "notify", "limits": "1",
                           "limit__quiet_hours": "late evening"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and "quiet_hours must look like" in bad.text
    moved = owner.post(f"{base}/job/phase", data={"phase": "III"})
    assert "Now in Phase III" in moved.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        actors = {e.actor for e in session.scalars(select(AuditEntry)
                                                   .where(AuditEntry.event == "job.changed"))}
    assert f"client:{office.owner}" in actors


def test_trust_page_figures_audit_filters_and_verification(single_app, office, owner):
    action = _email(owner)
    approval = owner.get(f"/api/approvals/{action['approval_id']}").json()
    owner.post(f"/api/approvals/{action['approval_id']}/approve",
               json={"payload_hash": approval["action"]["payload_hash"]})
    page = owner.get(f"/w/{office.slug}/trust").text
    assert "Email on your behalf" in page and "<svg" in page
    filtered = owner.get(f"/w/{office.slug}/trust", params={"event": "approval."}).text
    assert "<td>approval.approved</td>" in filtered
    assert "<td>workspace.created</td>" not in filtered
    verify = owner.get(f"/w/{office.slug}/trust/verify", headers={"HX-Request": "true"})
    assert "intact" in verify.text
    api = owner.get("/api/audit", params={"actor": f"client:{office.owner}"}).json()
    assert api["entries"] and all(e["actor"].startswith("client:") for e in api["entries"])
    assert owner.get("/api/audit/verify").json()["ok"] is True
    assert any(t["duty"] == "email.send" and t["approved_unchanged"] == 1
               for t in owner.get("/api/trust").json())


def test_settings_profile_is_validated_and_audited(single_app, office, owner):
    base = f"/w/{office.slug}"
    form = {"client_name": "Pat Lee", "assistant_name": "Jane", "address_form": "Pat",
            "timezone": "Mars/Olympus", "business_name": "Harbour & Pine Realty",
            "email": "pat@harbourpine.example", "phone": "+1 617 555 0100",
            "postal_address": "12 Harbour Street\nBoston, MA 02110",
            "signature": "Pat", "working_hours": "09:00-17:30"}
    assert owner.post(f"{base}/settings/profile", data=form).status_code == 400
    saved = owner.post(f"{base}/settings/profile",
                       data={**form, "timezone": "Europe/London"})
    assert "Saved: signature, timezone, working_hours." in saved.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        ws = session.get(Workspace, office.workspace_id)
        assert ws.timezone == "Europe/London" and ws.profile["working_hours"] == "09:00-17:30"
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.event == "profile.changed")).one().actor == f"client:{office.owner}"
    staff = add_user(single_app, unique("sam"), office.workspace_id, "staff")
    other = client(single_app)
    login(other, staff)
    refused = other.post(f"{base}/settings/profile", data=form,
                         headers={"X-CSRF-Token": csrf(other, office.slug)})
    assert refused.status_code == 403


def test_staff_see_only_what_a_switched_on_duty_reads(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.I)  # calendar.manage is off in Phase I
    staff = add_user(single_app, unique("kim"), office.workspace_id, "staff")
    web = client(single_app)
    login(web, staff)
    today = web.get(f"/w/{office.slug}/today").text
    assert "Team stand-up" not in today and "assistants do not see it" in today
    assert web.get("/api/agenda").status_code == 403
    owner = client(single_app)
    login(owner, office.owner)
    assert "Team stand-up" in owner.get(f"/w/{office.slug}/today").text
