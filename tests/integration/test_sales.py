"""sales.track on SQLite and PostgreSQL: where a deal stands, the pipeline, the client's updates
(through the gate, with undo), proposals from mail, the activity timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from righthand.domain.actions import Initiative
from righthand.duties.sales import reading, records, timeline
from righthand.errors import CannotUndo
from righthand.policy.autonomy import Autonomy
from righthand.service import approvals, executor, workspaces
from righthand.service.assistant import ask
from righthand.service.undo import undo
from righthand.store.tables import (
    ActionRow,
    CalendarRow,
    DealActivityRow,
    DealRow,
    EventRow,
    Workspace,
)
from tests.support.manager import manager_workspace


def _deal(app, wid: int, word: str) -> DealRow:
    with app.db.unit(wid, write=False) as session:
        row = session.scalars(select(DealRow).where(DealRow.title.like(f"{word}%"))).one()
        session.expunge(row)
        return row


def _stage_key(app, wid: int, deal_id: int) -> str:
    with app.db.unit(wid, write=False) as session:
        return records.get(session, deal_id).stage.key


def _set_duty(app, wid: int, duty: str, **changes) -> None:
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        setting = replace(workspaces.job_description(session, ws).setting(duty), **changes)
        workspaces.set_duty(session, ws, duty, setting, app.catalog, app.clock())


def test_where_are_we_on_the_jones_closing(app):
    wid, slug = manager_workspace(app)
    answer = ask(app, "Where are we on the Jones closing?", slug)
    assert answer.intent == "sales.deal_status"
    text = answer.answer
    assert text.startswith("The Jones closing (22 Birch Lane, $615,000) is at Inspection, "
                           "day 9 of it")
    assert "counts as stalled after 10" in text
    assert "It's expected to close Monday 14 December, in 18 days." in text
    assert "Last contact was yesterday: a call with Alice Jones" in text
    assert "Next step: get the inspection report to the Joneses' attorney, due tomorrow." in text
    assert "We're waiting on Dev Patel (lender, First Harbor Bank)" in text
    assert "it was expected yesterday" in text
    jones = _deal(app, wid, "Jones")
    assert answer.data["deal_id"] == jones.id
    # The same deal, however it is named; a misspelling too.
    for words in ("Where are we with the Joneses?", "How's the Jones house going?",
                  "Any news on Birch Lane?", "Where are we on the Jonse closing?"):
        assert ask(app, words, slug).data.get("deal_id") == jones.id, words
    unknown = ask(app, "Where are we on the Smith purchase?", slug).answer
    assert "I don't see a deal matching" in unknown and "Jones closing" in unknown


def test_hows_my_pipeline(app):
    _wid, slug = manager_workspace(app)
    answer = ask(app, "How's my pipeline?", slug)
    assert answer.intent == "sales.pipeline"
    text = answer.answer
    assert "4 open deals worth $1,720,000 — $549,000 weighted." in text
    assert "- Inspection: 1 deal, $615,000" in text
    # 26 Nov 2026: the Jones closing (18 days out, 65%) is in Q4, not in November.
    assert "November $0, Q4 $399,750" in text
    assert "Won so far: $530,000 this month" in text
    assert "No expected close date on Miller referral" in text
    assert "Stalled: Nguyen purchase (21 days at Offer, stalled after 7; no next step)." in text
    [summary] = answer.data["pipelines"]
    assert summary["open"] == 4 and summary["quarter"] == "399750.00"


def test_client_updates_go_through_the_gate_and_undo(app):
    wid, slug = manager_workspace(app)
    jones = _deal(app, wid, "Jones")
    moved = ask(app, "The Jones inspection is done, move them to closing", slug)
    assert moved.intent == "sales.update"
    assert "from Inspection to Closing — that skips Appraisal and Financing" in moved.answer
    [action] = moved.actions
    assert (action.kind, action.decision, action.state) == ("sales.update_deal", "allow", "done")
    assert _stage_key(app, wid, jones.id) == "closing"
    with app.db.unit(wid, write=False) as session:
        [entry] = timeline.entries(session, jones.id, kinds=["stage_change"], limit=1)
        assert entry.summary == "Moved from Inspection to Closing"
        assert session.get(DealRow, jones.id).stage_since == app.clock().date()
    with app.db.unit(wid) as session:
        assert "back as it was" in undo(session, app.registry, action.id, app.clock())
    assert _stage_key(app, wid, jones.id) == "inspection"
    assert _deal(app, wid, "Jones").stage_since == jones.stage_since

    lost = ask(app, "Mark Miller as lost, they went with another agent", slug)
    assert "Marking the Miller referral as lost (they went with another agent)." in lost.answer
    miller = _deal(app, wid, "Miller")
    assert (miller.status, miller.lost_reason) == ("lost", "They went with another agent.")
    assert miller.closed_at is not None
    # A change made since blocks the undo of the older one rather than clobbering it.
    reopened = ask(app, "Mark the Miller referral as won", slug)
    assert reopened.actions[0].state == "done"
    with app.db.unit(wid) as session, pytest.raises(CannotUndo, match="changed since"):
        undo(session, app.registry, lost.actions[0].id, app.clock())

    step = ask(app, "Next step on Nguyen: call the seller's agent by Friday", slug)
    assert "call the seller's agent, due tomorrow" in step.answer
    nguyen = _deal(app, wid, "Nguyen")
    assert nguyen.next_step == "Call the seller's agent"
    assert nguyen.next_step_due == app.clock().date() + timedelta(days=1)


def test_an_update_waits_for_approval_when_the_duty_asks(app):
    wid, slug = manager_workspace(app)
    _set_duty(app, wid, "sales.track", autonomy=Autonomy.ASK)
    answer = ask(app, "Move the Nguyen purchase to under contract", slug)
    [action] = answer.actions
    assert action.decision == "ask" and action.approval_id is not None
    nguyen = _deal(app, wid, "Nguyen")
    assert _stage_key(app, wid, nguyen.id) == "offer"
    with app.db.unit(wid) as session:
        job = workspaces.job_description(session, session.get(Workspace, wid))
        row = approvals.approve(session, action.approval_id, job, app.catalog, app.clock())
    app.dispatcher().run_once(only=[row.id])
    assert _stage_key(app, wid, nguyen.id) == "under_contract"


def _propose(app, wid, actions):
    with app.db.unit(wid) as session:
        job = workspaces.job_description(session, session.get(Workspace, wid))
        done = [executor.propose(session, wid, a, job, app.catalog, app.clock(), "assistant",
                                 app.approval_ttl) for a in actions]
        ids = [(p.row.id, p.decision.name, p.decision.code) for p in done]
    app.dispatcher().run_once(only=[i for i, d, _ in ids if d == "allow"])
    return ids


def test_a_lenders_loan_approved_email_proposes_the_move(app):
    wid, _slug = manager_workspace(app)
    jones = _deal(app, wid, "Jones")
    letter = ("Hi Pat,\n\nGood news: the Joneses' loan has been approved, and we are clear to "
              "close.\n\nDev\n\n> Once the loan is approved, let me know.")
    with app.db.unit(wid, write=False) as session:
        [action] = reading.proposals_from_message(
            session, text=letter, sender="Dev.Patel@FirstHarbor.example",
            subject="Jones loan", message_id="<loan@firstharbor.example>")
        assert action.initiative is Initiative.PROACTIVE
        assert action.payload["to_stage"] == "closing"
        assert "Dev Patel (lender) wrote" in action.summary
        # Conditional or negated phrases, quoted text, strangers: no proposal.
        for text, sender in [("Once the loan is approved we can close.",
                              "dev.patel@firstharbor.example"),
                             ("The loan is not approved yet.", "dev.patel@firstharbor.example"),
                             ("The loan is approved.", "stranger@example.com"),
                             ("> the loan is approved", "dev.patel@firstharbor.example")]:
            assert reading.proposals_from_message(session, text=text, sender=sender) == [], text
    [(_, decision, _)] = _propose(app, wid, [action])
    assert decision == "allow"
    assert _stage_key(app, wid, jones.id) == "closing"
    with app.db.unit(wid, write=False) as session:
        entry = session.scalars(select(DealActivityRow).where(
            DealActivityRow.deal_id == jones.id, DealActivityRow.kind == "stage_change")
            .order_by(DealActivityRow.id.desc())).first()
        assert entry.source == "assistant"
        assert entry.data["evidence"]["message_id"] == "<loan@firstharbor.example>"
        # Only forward: the same mail again proposes nothing.
        assert reading.proposals_from_message(session, text=letter,
                                              sender="dev.patel@firstharbor.example") == []
    # A reactive sales duty never acts on what it reads: the gate says no.
    _set_duty(app, wid, "sales.track", initiative=Initiative.REACTIVE)
    with app.db.unit(wid, write=False) as session:
        nguyen = records.get(session, _deal(app, wid, "Nguyen").id)
        [again] = reading.proposals_from_message(
            session, text="Great news, they accepted your offer!",
            sender="liam.nguyen@example.com")
    assert again.payload["deal_id"] == nguyen.id
    [(_, decision, code)] = _propose(app, wid, [again])
    assert (decision, code) == ("deny", "not_proactive")
    assert _stage_key(app, wid, nguyen.id) == "offer"


def test_timeline_links_what_the_assistant_sees_and_the_client_unlinks(app):
    wid, _slug = manager_workspace(app)
    jones, wilson = _deal(app, wid, "Jones"), _deal(app, wid, "Wilson")
    now = app.clock()
    with app.db.unit(wid) as session:
        cal = CalendarRow(workspace_id=wid, name="Work")
        session.add(cal)
        session.flush()
        session.add(EventRow(workspace_id=wid, calendar_id=cal.id, uid="walk@test",
                             summary="Final walk-through", starts_at=now - timedelta(hours=3),
                             ends_at=now - timedelta(hours=2),
                             attendees={"list": [{"email": "tom.jones@example.com"}]}))
        session.add(EventRow(workspace_id=wid, calendar_id=cal.id, uid="later@test",
                             summary="Later", starts_at=now + timedelta(days=2),
                             ends_at=now + timedelta(days=2, hours=1),
                             attendees={"list": [{"email": "tom.jones@example.com"}]}))
    with app.db.unit(wid) as session:
        assert timeline.link_events(session, wid, now) == 1
        assert timeline.link_events(session, wid, now) == 0  # idempotent
        linked = timeline.link_message(
            session, wid, message_id="<keys@example.org>", sender="emma.wilson@example.org",
            recipients=["pat@harbourpine.example"], subject="Spare keys", at=now,
            direction="in")
        assert linked == [wilson.id]
        assert timeline.link_message(
            session, wid, message_id="<keys@example.org>", sender="emma.wilson@example.org",
            recipients=[], subject="Spare keys", at=now, direction="in") == []
        assert timeline.link_call(session, wid, call_id="c1", number="+16175550112", at=now,
                                  summary="Tom about the walk-through") == [jones.id]
        walk = next(e for e in timeline.entries(session, jones.id) if e.summary ==
                    "Final walk-through")
        deal = records.get(session, jones.id)
        from righthand.duties.sales import updates

        unlink = updates.unlink(deal, walk.id, walk.summary)
    [(action_id, decision, _)] = _propose(app, wid, [unlink])
    assert decision == "allow"
    with app.db.unit(wid) as session:
        assert walk.id not in {e.id for e in timeline.entries(session, jones.id)}
        assert timeline.link_events(session, wid, now) == 0  # never linked back
        assert undo(session, app.registry, action_id, app.clock()).startswith("Put that entry")
    with app.db.unit(wid, write=False) as session:
        assert walk.id in {e.id for e in timeline.entries(session, jones.id)}
        # Only this workspace's rows were touched.
        assert {r.workspace_id for r in session.scalars(select(ActionRow).where(
            ActionRow.id == action_id))} == {wid}
