"""No query can cross workspaces: every scoped table, every access path, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from righthand.domain.actions import Action
from righthand.errors import Bug, NotFound
from righthand.policy.duties import Phase
from righthand.service import approvals, audit, executor, workspaces
from righthand.service.undo import undo
from righthand.store.tables import (
    ActionRow,
    Approval,
    AuditEntry,
    Base,
    ContactEmail,
    ContactRow,
    JobDuty,
    OutboxRow,
    Scoped,
)
from tests.conftest import new_workspace


def _populate(app, ws_id: int, name: str) -> dict[str, int]:
    with app.db.unit(ws_id) as session:
        contact = ContactRow(display_name=name, created_at=app.clock())
        session.add(contact)
        session.flush()
        session.add(ContactEmail(contact_id=contact.id, address=f"{name.lower()}@example.com"))
        job = workspaces.job_description(session, session.get(workspaces.Workspace, ws_id))
        ask = executor.propose(session, ws_id, Action(
            "supplies.order", "supplies.purchase_order",
            {"recipients": ["orders@vendor.example"], "amount": "20", "item": name},
            f"Order for {name}"), job, app.catalog, app.clock(), "client", timedelta(hours=1))
        return {"contact": contact.id, "action": ask.row.id, "approval": ask.approval_id or 0}


@pytest.fixture
def two(app):
    a = new_workspace(app, Phase.I, client="Ann Able")
    b = new_workspace(app, Phase.I, client="Ben Baker")
    return a, b, _populate(app, a, "Alpha"), _populate(app, b, "Bravo")


def test_every_scoped_table_returns_only_own_rows(app, two):
    a, b, _ra, _rb = two
    scoped = [m.class_ for m in Base.registry.mappers if issubclass(m.class_, Scoped)]
    assert len(scoped) >= 15
    checked = 0
    for ws in (a, b):
        with app.db.unit(ws, write=False) as session:
            for cls in scoped:
                owners = set(session.scalars(select(cls.workspace_id)))
                assert owners <= {ws}, f"{cls.__name__} leaked rows of {owners - {ws}}"
                checked += bool(owners)
    assert checked >= 10  # the check saw real rows (contacts, actions, audit, job lines ...)


# Built once, like the hot paths' statements: the session scopes it once per workspace and
# keeps that (righthand.store.scoping); each workspace must still see only its own rows.
_NAMES = select(ContactRow.display_name).order_by(ContactRow.id)
_BY_NAME = update(ContactRow).where(ContactRow.display_name == "Alpha").values(notes="seen")


def test_a_statement_built_once_is_scoped_for_each_workspace_anew(app, two):
    a, b, _ra, _rb = two
    for _ in range(2):  # the second round is served from the scoping cache
        for ws, name in ((a, "Alpha"), (b, "Bravo"), (a, "Alpha")):
            with app.db.unit(ws, write=False) as session:
                assert list(session.scalars(_NAMES)) == [name]
    with app.db.unit(b) as session:  # Bravo's session cannot touch Alpha, cached or not
        assert session.execute(_BY_NAME).rowcount == 0
    with app.db.unit(a) as session:
        assert session.execute(_BY_NAME).rowcount == 1
    with app.db.unit(b) as session:
        assert session.execute(_BY_NAME).rowcount == 0


def test_get_by_primary_key_of_another_workspace_finds_nothing(app, two):
    a, _b, _ra, rb = two
    with app.db.unit(a, write=False) as session:
        assert session.get(ContactRow, rb["contact"]) is None
        assert session.get(ActionRow, rb["action"]) is None
        assert session.get(Approval, rb["approval"]) is None
        assert session.scalar(select(func.count()).select_from(ContactRow)
                              .where(ContactRow.id == rb["contact"])) == 0


def test_joins_and_aggregates_are_scoped(app, two):
    a, _b, _ra, _rb = two
    with app.db.unit(a, write=False) as session:
        rows = session.execute(select(ContactRow.display_name, ContactEmail.address)
                               .join(ContactEmail, ContactEmail.contact_id == ContactRow.id)).all()
        assert [r.display_name for r in rows] == ["Alpha"]
        assert session.scalar(select(func.count(AuditEntry.id))) == \
            session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.workspace_id == a))


def test_bulk_update_and_delete_cannot_touch_another_workspace(app, two):
    a, b, _ra, rb = two
    with app.db.unit(a) as session:
        session.execute(update(ContactRow).values(notes="changed by A")
                        .execution_options(synchronize_session=False))
        session.execute(delete(JobDuty).where(JobDuty.duty == "lists.maintain")
                        .execution_options(synchronize_session=False))
    with app.db.unit(b, write=False) as session:
        bravo = session.get(ContactRow, rb["contact"])
        assert bravo is not None and bravo.notes is None
        assert session.scalar(select(JobDuty).where(JobDuty.duty == "lists.maintain"))


def test_writing_a_row_into_another_workspace_is_refused(app, two):
    a, b, _ra, rb = two
    with pytest.raises(Bug), app.db.unit(a) as session:
        session.add(ContactRow(workspace_id=b, display_name="Intruder", created_at=app.clock()))
    with app.db.unit(b, write=False) as session:
        assert session.scalar(select(ContactRow).where(ContactRow.display_name == "Intruder")) \
            is None
        assert session.get(ContactRow, rb["contact"]) is not None


def test_services_do_not_reach_across(app, two):
    a, _b, _ra, rb = two
    with app.db.unit(a) as session:
        ws = session.get(workspaces.Workspace, a)
        job = workspaces.job_description(session, ws)
        with pytest.raises(NotFound):
            approvals.approve(session, rb["approval"], job, app.catalog, app.clock())
        with pytest.raises(NotFound):
            approvals.reject(session, rb["approval"], app.clock())
        with pytest.raises(NotFound):
            undo(session, app.registry, rb["action"], app.clock())
        assert [p.approval.id for p in approvals.pending(session, app.clock())] != \
            [rb["approval"]]
    with app.db.unit(None, write=False) as session:
        assert session.get(Approval, rb["approval"]).status == "pending"


def test_each_workspace_has_its_own_audit_chain(app, two):
    a, b, _ra, _rb = two
    for ws in (a, b):
        with app.db.unit(ws, write=False) as session:
            result = audit.verify(session, ws)
            assert result.ok and result.entries >= 3


def test_outbox_rows_are_scoped_but_the_dispatcher_sees_all(app, two):
    a, b, _ra, _rb = two
    for ws in (a, b):
        with app.db.unit(ws) as session:
            approval = approvals.pending(session, app.clock())[0].approval
            ws_row = session.get(workspaces.Workspace, ws)
            approvals.approve(session, approval.id, workspaces.job_description(session, ws_row),
                              app.catalog, app.clock())
    with app.db.unit(a, write=False) as session:
        assert {r.workspace_id for r in session.scalars(select(OutboxRow))} == {a}
    with app.db.unit(None, write=False) as session:
        everyone = {r.workspace_id for r in session.scalars(
            select(OutboxRow).execution_options(all_workspaces=True))}
        assert {a, b} <= everyone
