"""Helpers for mail-delivery tests: known contacts, email.send actions, outbox look-ups, and
running the real ``righthand`` CLI as a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from righthand.bootstrap import App
from righthand.domain.actions import Action
from righthand.service import executor, messages, workspaces
from righthand.store.tables import ActionRow, ContactEmail, ContactRow, OutboxRow, Workspace
from tests.support.smtp import Recorder, SmtpServer

DEFAULT_SENDER_DOMAIN = "righthand.local"  # the dispatcher's sender when mail_from is unset


def add_contacts(app: App, workspace_id: int, count: int, prefix: str = "person") -> list[str]:
    """Add ``count`` known contacts, one address each; returns the addresses."""
    now = app.clock()
    addresses = [f"{prefix}{i:03d}@example.com" for i in range(count)]
    with app.db.unit(workspace_id) as session:
        for i, address in enumerate(addresses):
            contact = ContactRow(workspace_id=workspace_id, given_name=f"Person{i}",
                                 family_name="Known", display_name=f"Person{i} Known",
                                 created_at=now)
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=workspace_id, contact_id=contact.id,
                                     address=address))
    return addresses


def email_action(address: str, subject: str, body: str, name: str = "") -> Action:
    """An ``email.send`` action as the email duty would propose it."""
    return Action(duty="email.send", kind="email.send",
                  payload={"recipients": [address], "to": [{"name": name, "address": address}],
                           "subject": subject, "body": body},
                  summary=f"Email {address}: {subject}")


def propose(app: App, workspace_id: int, action: Action) -> executor.Proposed:
    """Put ``action`` through the executor (gate + outbox/approval) in one unit of work."""
    with app.db.unit(workspace_id) as session:
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
        return executor.propose(session, workspace_id, action, job, app.catalog, app.clock(),
                                "client", app.approval_ttl)


def outbox_entries(app: App, workspace_id: int) -> list[OutboxRow]:
    """The workspace's outbox entries, oldest first."""
    with app.db.unit(workspace_id, write=False) as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def outbox_entry_of(app: App, workspace_id: int, action_id: int) -> OutboxRow | None:
    """The outbox entry of one action, if any."""
    with app.db.unit(workspace_id, write=False) as session:
        return session.scalars(select(OutboxRow).where(OutboxRow.action_id == action_id)).first()


def action_row(app: App, workspace_id: int, action_id: int) -> ActionRow:
    """A stored action version."""
    with app.db.unit(workspace_id, write=False) as session:
        row = session.get(ActionRow, action_id)
        assert row is not None
        return row


def expected_message_id(entry: OutboxRow, domain: str = DEFAULT_SENDER_DOMAIN) -> str:
    """The Message-ID the dispatcher gives the entry's message."""
    return messages.message_id(entry.idempotency_key, domain)


def ids_of_workspace(recorder: Recorder, workspace_id: int) -> list[str]:
    """Message-IDs the server accepted for one workspace's actions (other tests' mail ignored)."""
    prefix = f"rh-{workspace_id}-"
    return [str(m["Message-ID"]) for m in list(recorder.messages)
            if str(m.get("X-Righthand-Action") or "").startswith(prefix)]


def server_on_port(port: int, recorder: Recorder | None = None) -> SmtpServer:
    """An SmtpServer bound to a given port (for 'the server comes back' tests)."""
    server = SmtpServer(recorder)
    server.port = port
    server.controller = Controller(server.recorder, hostname="127.0.0.1", port=port)
    return server


@dataclass(frozen=True)
class CliEnv:
    """Environment for running ``righthand`` as a separate process against one workspace."""

    database_url: str
    home: Path
    workspace: str
    smtp_url: str | None = None

    def env(self) -> dict[str, str]:
        """The child's environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
        env.update({"RIGHTHAND_DATABASE_URL": self.database_url, "RIGHTHAND_HOME": str(self.home),
                    "RIGHTHAND_WORKSPACE": self.workspace, "PYTHONUNBUFFERED": "1"})
        if self.smtp_url:
            env["RIGHTHAND_SMTP_URL"] = self.smtp_url
        return env

    def argv(self, *args: str) -> list[str]:
        """The child's command line."""
        return [sys.executable, "-m", "righthand.cli", *args]

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``righthand ARGS`` without waiting."""
        return subprocess.Popen(self.argv(*args), env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run ``righthand ARGS`` to completion; fails the test on a non-zero exit."""
        done = subprocess.run(self.argv(*args), env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert done.returncode == 0, (f"righthand {' '.join(args)} exited {done.returncode}\n"
                                      f"stdout: {done.stdout}\nstderr: {done.stderr}")
        return done


def own(report: Any, app: App, workspace_id: int) -> dict[str, list[int]]:
    """A dispatch report narrowed to one workspace's outbox entries (the dispatcher serves all
    workspaces, and PostgreSQL tests share one database)."""
    ids = {e.id for e in outbox_entries(app, workspace_id)}
    return {name: sorted(i for i in getattr(report, name) if i in ids)
            for name in ("delivered", "retrying", "failed", "uncertain")}


NOTHING: dict[str, list[int]] = {"delivered": [], "retrying": [], "failed": [], "uncertain": []}
