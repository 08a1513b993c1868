"""Exactly-once delivery when the dispatcher process is killed mid-batch (SIGKILL).

The dispatcher runs as a separate ``righthand outbox dispatch`` process against a real SMTP
server (aiosmtpd). It is killed while it is part-way through a batch, then restarted. The
documented guarantee (service/dispatcher.py): nothing is sent twice, nothing is lost; at most
the one message whose SMTP transaction the kill cut is *uncertain*, and an uncertain message
is never resent automatically -- only ``righthand outbox resend ID`` sends it again, under the
same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from righthand.bootstrap import App
from righthand.policy.duties import Phase
from righthand.service.dispatcher import this_process
from righthand.store.tables import OutboxRow
from tests.conftest import new_workspace, workspace_slug
from tests.support.mail import (
    NOTHING,
    CliEnv,
    add_contacts,
    email_action,
    expected_message_id,
    ids_of_workspace,
    outbox_entries,
    own,
    propose,
)
from tests.support.smtp import Recorder, SmtpServer

pytestmark = [pytest.mark.server, pytest.mark.slow]

BATCH = 40
KILL_AFTER = 12  # messages the server has accepted when the dispatcher is killed
DELAY = 0.1  # seconds the server takes over each message, so the batch lasts ~4 s

_REPORT = re.compile(r"Delivered (\d+), retrying (\d+), failed (\d+), uncertain (\d+)\.")


def _report(output: str) -> dict[str, int]:
    found = _REPORT.search(output)
    assert found, f"unexpected dispatch output: {output!r}"
    return dict(zip(("delivered", "retrying", "failed", "uncertain"),
                    map(int, found.groups()), strict=True))


def _allowed_batch(app: App, count: int) -> tuple[int, list[int]]:
    """A Phase III workspace with ``count`` known contacts and one allowed email to each."""
    ws_id = new_workspace(app, Phase.III)
    addresses = add_contacts(app, ws_id, count)
    action_ids = []
    for i, address in enumerate(addresses):
        proposed = propose(app, ws_id, email_action(address, f"Market update #{i}",
                                                    f"Hello,\n\nThis is update {i}.\n"))
        assert proposed.decision.name == "allow", proposed.decision
        action_ids.append(proposed.row.id)
    entries = outbox_entries(app, ws_id)
    assert [e.status for e in entries] == ["pending"] * count
    # The child dispatcher runs on the real clock: everything must already be due.
    assert all(e.not_before <= app.clock() for e in entries)
    return ws_id, action_ids


def _wait_for(predicate: Any, timeout: float, what: str,
              proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the dispatcher exited ({proc.returncode}) before {what}\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_sigkill_mid_batch_sends_nothing_twice_and_loses_nothing(
        app: App, tmp_path: Path, db_url: str, record_property: Any) -> None:
    ws_id, _ = _allowed_batch(app, BATCH)
    started = time.monotonic()
    with SmtpServer(Recorder(delay=DELAY)) as server:
        cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id), server.url)
        ours = lambda: ids_of_workspace(server.recorder, ws_id)  # noqa: E731

        first = cli.start("outbox", "dispatch")
        _wait_for(lambda: len(ours()) >= KILL_AFTER, 30, f"{KILL_AFTER} messages", first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)  # reap it: a zombie still answers kill(pid, 0) and would look alive
        assert first.returncode == -signal.SIGKILL
        at_kill = len(ours())
        assert KILL_AFTER <= at_kill < BATCH, "the kill must land mid-batch"
        left = Counter(e.status for e in outbox_entries(app, ws_id))
        assert set(left) <= {"sent", "sending", "pending"}, left
        assert left["sending"] <= 1, "one message at a time is in flight"

        second = _report(cli.run("outbox", "dispatch").stdout)
        after_second = Counter(e.status for e in outbox_entries(app, ws_id))
        third = _report(cli.run("outbox", "dispatch").stdout)
        received = Counter(ours())

    entries = outbox_entries(app, ws_id)
    statuses = Counter(e.status for e in entries)
    sent = [e for e in entries if e.status == "sent"]
    uncertain = [e for e in entries if e.status == "uncertain"]
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    lost = [e.id for e in sent if received[expected_message_id(e)] == 0]
    strangers = set(received) - {expected_message_id(e) for e in entries}
    figures = {"db": app.db.engine.dialect.name, "batch": BATCH, "received_at_kill": at_kill,
               "delivered": len(sent), "distinct_received": len(received),
               "duplicates": len(duplicates), "uncertain": len(uncertain), "lost": len(lost),
               "seconds": round(time.monotonic() - started, 2)}
    record_property("crash_figures", figures)
    print(f"crash figures: {figures}")

    assert set(statuses) <= {"sent", "uncertain"}, statuses
    assert len(uncertain) <= 1, "only the message whose own transaction was cut may be uncertain"
    assert not duplicates, f"delivered twice: {duplicates}"
    assert not lost, f"marked sent but never arrived: {lost}"
    assert not strangers
    assert len(sent) + len(uncertain) == BATCH
    # The restart settled the cut entry as uncertain and finished the batch; the next pass had
    # nothing of ours left. (The dispatcher serves every workspace, and PostgreSQL tests share
    # one database, so its totals are lower bounds for this workspace; the rows are exact.)
    assert len(uncertain) == left["sending"]
    assert second["delivered"] >= left["pending"] and second["uncertain"] >= left["sending"]
    assert after_second == Counter(e.status for e in entries)
    assert third["delivered"] == 0 and third["uncertain"] == 0
    for entry in uncertain:
        # Never resent automatically: at most the copy the cut transaction may have left.
        assert received[expected_message_id(entry)] <= 1
        assert entry.last_error and "may or may not" in entry.last_error


class HoldOne(Recorder):
    """Holds the first DATA of one chosen message until released, then refuses it (not kept);
    later attempts at the same message are accepted as usual."""

    def __init__(self, hold_subject: str) -> None:
        super().__init__()
        self.hold_subject = hold_subject
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if f"Subject: {self.hold_subject}".encode() in envelope.content \
                and not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "554 not kept"
        return await super().handle_DATA(server, session, envelope)


def test_uncertain_entry_is_never_resent_automatically_only_by_resend(
        app: App, tmp_path: Path, db_url: str) -> None:
    ws_id, action_ids = _allowed_batch(app, 3)
    held = "Market update #1"
    recorder = HoldOne(held)
    with SmtpServer(recorder) as server:
        cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id), server.url)
        child = cli.start("outbox", "dispatch")
        _wait_for(recorder.holding.is_set, 30, "the held message's DATA", child)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        recorder.release.set()

        entries = {e.action_id: e for e in outbox_entries(app, ws_id)}
        cut = entries[action_ids[1]]
        assert cut.status == "sending"
        assert entries[action_ids[0]].status == "sent"

        # Restarted dispatchers (another process, then this one) settle it as uncertain and
        # leave it alone, however often they run.
        first = _report(cli.run("outbox", "dispatch").stdout)
        assert first["delivered"] >= 1 and first["uncertain"] >= 1
        states = {e.action_id: e.status for e in outbox_entries(app, ws_id)}
        assert states == {action_ids[0]: "sent", action_ids[1]: "uncertain",
                          action_ids[2]: "sent"}
        for _ in range(2):
            assert own(app.dispatcher().run_once(), app, ws_id) == NOTHING
        cli.run("outbox", "dispatch")
        assert {e.action_id: e.status for e in outbox_entries(app, ws_id)} == states
        listed = cli.run("outbox", "list").stdout
        assert f"#{cut.id} [uncertain]" in listed
        assert Counter(ids_of_workspace(server.recorder, ws_id))[expected_message_id(cut)] == 0

        # The client decides: resend it, under the same Message-ID.
        said = cli.run("outbox", "resend", str(cut.id)).stdout
        assert "queued to be sent again" in said
        assert _report(cli.run("outbox", "dispatch").stdout)["delivered"] >= 1
        received = Counter(ids_of_workspace(server.recorder, ws_id))

    entries = {e.action_id: e for e in outbox_entries(app, ws_id)}
    assert {e.status for e in entries.values()} == {"sent"}
    assert entries[action_ids[1]].idempotency_key == cut.idempotency_key
    assert received == Counter({expected_message_id(e): 1 for e in entries.values()})


def test_dispatcher_killed_after_the_servers_yes_is_uncertain_not_resent(
        app: App, tmp_path: Path, db_url: str) -> None:
    """The other crash window: the server said 250 but the dispatcher died before recording it.

    Simulated by leaving the entry 'sending' under the owner tag of a process that has exited.
    """
    ws_id, action_ids = _allowed_batch(app, 1)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_owner = this_process().rpartition(":")[0] + ":" + gone.stdout.strip()
    with app.db.unit(ws_id) as session:
        session.execute(update(OutboxRow).where(OutboxRow.action_id == action_ids[0])
                        .values(status="sending", owner=dead_owner, attempts=1,
                                lease_until=app.clock().replace(year=2100)))
    (entry,) = outbox_entries(app, ws_id)
    assert own(app.dispatcher().run_once(), app, ws_id) == {**NOTHING, "uncertain": [entry.id]}
    assert own(app.dispatcher().run_once(), app, ws_id) == NOTHING
    (entry,) = outbox_entries(app, ws_id)
    assert entry.status == "uncertain"
    # The app has no SMTP server configured: a (re)send would have written an .eml file.
    outgoing = app.settings.outgoing_mail_dir
    assert not outgoing.exists() or not any(outgoing.glob("*.eml"))
