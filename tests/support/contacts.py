"""Helpers for the contacts-and-lists tests: fixtures on disk, actions through the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from righthand.bootstrap import App
from righthand.domain.actions import Action
from righthand.duties.lists.columns import parse_mapping
from righthand.duties.lists.importer import ImportOptions, import_action, prepare
from righthand.service import executor, workspaces
from righthand.store.tables import (
    ActionRow,
    ContactEmail,
    ContactRow,
    ImportJob,
    MailingListRow,
    Subscription,
    Workspace,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"
FEEDBACK = Path(__file__).resolve().parents[1] / "fixtures" / "feedback"


def fixture(name: str) -> bytes:
    """The bytes of a contacts fixture file."""
    return (FIXTURES / name).read_bytes()


def make_list(app: App, ws: int, slug: str = "newsletter", name: str = "Newsletter",
              opt_in: str = "single") -> int:
    """A mailing list, written directly (what the list is for is not under test)."""
    with app.db.unit(ws) as session:
        row = MailingListRow(workspace_id=ws, slug=slug, name=name, opt_in=opt_in)
        session.add(row)
        session.flush()
        return row.id


def propose(app: App, ws: int, action: Action, deliver: bool = True) -> ActionRow:
    """Put ``action`` through the gate (and deliver it when allowed); the stored row."""
    with app.db.unit(ws) as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        job = workspaces.job_description(session, workspace)
        proposed = executor.propose(session, ws, action, job, app.catalog, app.clock(),
                                    "client", app.approval_ttl)
        action_id = proposed.row.id
    if deliver and proposed.decision.name == "allow":
        app.dispatcher().run_once(only=[action_id])
    with app.db.unit(ws, write=False) as session:
        row = session.get(ActionRow, action_id)
        assert row is not None
        return row


def import_bytes(app: App, ws: int, data: bytes, filename: str, mode: str = "add",
                 list_name: str | None = None, mapping: list[str] | None = None,
                 region: str | None = "US") -> tuple[ImportJob, ActionRow]:
    """Prepare an import and propose it (delivered when the gate allows); (job, action)."""
    with app.db.unit(ws) as session:
        options = ImportOptions(mode=mode, mapping=parse_mapping(mapping or []),
                                list_name=list_name, region=region)
        job_id = prepare(session, ws, data, filename, options, app.clock()).id
        action = import_action(session.get(ImportJob, job_id))  # type: ignore[arg-type]
    row = propose(app, ws, action)
    with app.db.unit(ws, write=False) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        return job, row


def contact(app: App, ws: int, address: str) -> dict[str, Any] | None:
    """The whole contact that owns ``address``."""
    from righthand.duties.lists.contacts import views

    with app.db.unit(ws, write=False) as session:
        owner = session.scalar(select(ContactEmail.contact_id).where(
            ContactEmail.address == address.lower()))
        if owner is None:
            return None
        return views(session, [owner])[0]


def count_contacts(app: App, ws: int) -> int:
    """How many contacts the workspace has."""
    with app.db.unit(ws, write=False) as session:
        return len(session.scalars(select(ContactRow.id)).all())


def state_on(app: App, ws: int, list_id: int, address: str) -> str | None:
    """The subscription state of ``address`` on a list (None: not on it)."""
    with app.db.unit(ws, write=False) as session:
        owner = session.scalar(select(ContactEmail.contact_id).where(
            ContactEmail.address == address.lower()))
        return session.scalar(select(Subscription.state).where(
            Subscription.list_id == list_id, Subscription.contact_id == owner))
