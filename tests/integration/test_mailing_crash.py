"""Nothing lost, nothing doubled: a campaign killed mid-send (SIGKILL) and resumed.

The dispatcher runs as a separate ``righthand outbox dispatch`` process against a real SMTP
server (aiosmtpd) that takes its time over each message. It is killed part-way through the
campaign and started again. The guarantee (service/campaigns.py): every recipient is reached
once; only the message whose SMTP transaction the kill cut may be uncertain, the campaign report
says how many were, and an uncertain recipient is resent only when the client says so -- under
the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from righthand.bootstrap import App
from righthand.service.dispatcher import Dispatcher
from tests.conftest import new_workspace, workspace_slug
from tests.support.mail import CliEnv
from tests.support.mailings import (
    add_subscribers,
    approved_campaign,
    campaign_entry,
    create_mailing,
    mailing_row,
    make_list,
    received,
    received_ids,
    recipients,
    statuses,
)
from tests.support.smtp import Recorder, SmtpServer

pytestmark = [pytest.mark.server, pytest.mark.slow]

RECIPIENTS = 60
KILL_AFTER = 20
DELAY = 0.05  # seconds the server takes over each message


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


def _campaign(app: App, count: int) -> tuple[int, int, int, list[str]]:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    addresses = add_subscribers(app, ws_id, list_id, count)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id, connections=1)
    # The child dispatcher runs on the real clock: the campaign must already be due.
    assert campaign_entry(app, ws_id, action_id).not_before <= datetime.now(UTC)
    return ws_id, mailing_id, action_id, addresses


def test_sigkill_mid_campaign_reaches_everyone_once(app: App, tmp_path: Path, db_url: str,
                                                    record_property: Any) -> None:
    ws_id, mailing_id, action_id, addresses = _campaign(app, RECIPIENTS)
    started = time.monotonic()
    with SmtpServer(Recorder(delay=DELAY)) as server:
        cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id), server.url)
        ours = lambda: received(server.recorder, ws_id, mailing_id)  # noqa: E731

        first = cli.start("outbox", "dispatch")
        _wait_for(lambda: len(ours()) >= KILL_AFTER, 60, f"{KILL_AFTER} messages", first)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)  # reap it: a zombie still answers kill(pid, 0) and would look alive
        time.sleep(2 * DELAY)  # let the server finish the transaction the kill cut
        at_kill = len(ours())
        left = statuses(app, ws_id, mailing_id)
        assert KILL_AFTER <= at_kill < RECIPIENTS, "the kill must land mid-campaign"
        assert set(left) <= {"sent", "sending", "pending"}, left
        assert left["sending"] <= 1, "one message per connection is in flight"
        assert campaign_entry(app, ws_id, action_id).status == "sending"

        cli.run("outbox", "dispatch")  # recovers, then resumes the campaign
        cli.run("outbox", "dispatch")  # nothing of ours is left to do
        ids = received_ids(server.recorder, ws_id, mailing_id)
        report = cli.run("mailings", "status", "Spring newsletter").stdout

    log = recipients(app, ws_id, mailing_id)
    counts = Counter(r.status for r in log)
    uncertain = [r for r in log if r.status == "uncertain"]
    duplicates = {mid: n for mid, n in ids.items() if n > 1}
    lost = [r.address for r in log if r.status == "sent" and ids[r.message_id or ""] == 0]
    figures = {"db": app.db.engine.dialect.name, "recipients": RECIPIENTS,
               "received_at_kill": at_kill, "in_flight_at_kill": left["sending"],
               "sent": counts["sent"], "uncertain": len(uncertain), "duplicates": len(duplicates),
               "lost": len(lost), "seconds": round(time.monotonic() - started, 2)}
    record_property("mailing_crash_figures", figures)
    print(f"mailing crash figures: {figures}")

    assert set(counts) <= {"sent", "uncertain"}, counts
    assert len(uncertain) == left["sending"] <= 1
    assert not duplicates, f"delivered twice: {duplicates}"
    assert not lost, f"marked sent but never arrived: {lost}"
    assert counts["sent"] + len(uncertain) == RECIPIENTS == len({r.address for r in log})
    assert {r.address for r in log} == set(addresses)
    assert set(ids) <= {r.message_id for r in log}
    for row in uncertain:
        assert ids[row.message_id or ""] <= 1, "never resent automatically"
        assert "may or may not have arrived" in (row.last_error or "")
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.status == "sent" and entry.result is not None
    assert entry.result["uncertain"] == len(uncertain)
    assert entry.result["sent"] == counts["sent"]
    assert mailing_row(app, ws_id, mailing_id).status == "finished"
    assert f"{counts['sent']} sent" in report
    if uncertain:
        assert "1 may or may not have arrived" in report


class HoldOne(Recorder):
    """Holds the DATA of one chosen recipient until released, then refuses it (not kept);
    later attempts at the same message are accepted as usual."""

    def __init__(self, hold: str) -> None:
        super().__init__()
        self.hold = hold
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold in envelope.rcpt_tos and not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "554 not kept"
        return await super().handle_DATA(server, session, envelope)


def test_uncertain_recipient_is_resent_only_by_the_client(app: App, tmp_path: Path,
                                                          db_url: str) -> None:
    ws_id, mailing_id, action_id, addresses = _campaign(app, 5)
    recorder = HoldOne(addresses[2])
    with SmtpServer(recorder) as server:
        cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id), server.url)
        child = cli.start("outbox", "dispatch")
        _wait_for(recorder.holding.is_set, 30, "the held message's DATA", child)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        recorder.release.set()
        cut = next(r for r in recipients(app, ws_id, mailing_id) if r.address == addresses[2])
        assert cut.status == "sending"

        for _ in range(2):  # restarted dispatchers settle it as uncertain and leave it alone
            cli.run("outbox", "dispatch")
        states = {r.address: r.status for r in recipients(app, ws_id, mailing_id)}
        assert states == {a: ("uncertain" if a == addresses[2] else "sent") for a in addresses}
        assert received_ids(server.recorder, ws_id, mailing_id)[cut.message_id or ""] == 0
        assert campaign_entry(app, ws_id, action_id).result["uncertain"] == 1  # type: ignore[index]

        said = cli.run("mailings", "resend-uncertain", "spring newsletter").stdout
        assert "1 uncertain recipient(s)" in said and "same Message-ID" in said
        ids = received_ids(server.recorder, ws_id, mailing_id)

    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 5})
    assert ids == Counter({r.message_id: 1 for r in recipients(app, ws_id, mailing_id)})
    resent = next(r for r in recipients(app, ws_id, mailing_id) if r.address == addresses[2])
    assert resent.message_id == cut.message_id and resent.attempts == 2
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.result is not None and (entry.result["sent"], entry.result["uncertain"]) == (5, 0)


def test_mark_sent_records_uncertain_recipients(app: App, tmp_path: Path, db_url: str) -> None:
    ws_id, mailing_id, action_id, addresses = _campaign(app, 3)
    recorder = HoldOne(addresses[0])
    with SmtpServer(recorder) as server:
        cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id), server.url)
        child = cli.start("outbox", "dispatch")
        _wait_for(recorder.holding.is_set, 30, "the held message's DATA", child)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        recorder.release.set()
        cli.run("outbox", "dispatch")
        said = cli.run("mailings", "mark-sent", "Spring newsletter").stdout
        assert "Recorded 1 uncertain recipient(s)" in said
    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 3})
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.result is not None and (entry.result["sent"], entry.result["uncertain"]) == (3, 0)


def test_a_live_campaign_keeps_its_lease(app: App) -> None:
    """A long campaign renews its lease: another dispatcher (another machine, same database)
    never takes it over while it runs, however long it runs."""
    ws_id, mailing_id, action_id, _ = _campaign(app, 24)
    with SmtpServer(Recorder(delay=0.15)) as server:
        settings = replace(app.settings, smtp_url=server.url, dispatch_lease_seconds=2)
        real = lambda: datetime.now(UTC)  # noqa: E731
        first = Dispatcher(app.db, app.registry, settings, clock=real, owner="host-a:1")
        second = Dispatcher(app.db, app.registry, settings, clock=real, owner="host-b:2")
        runner = threading.Thread(target=first.run_once, kwargs={"only": [action_id]})
        runner.start()
        _wait_for(lambda: len(received(server.recorder, ws_id, mailing_id)) >= 1, 20,
                  "the campaign to start")
        seen_leases = set()
        while runner.is_alive():  # ~3.6 s: longer than the lease
            time.sleep(0.5)
            entry = campaign_entry(app, ws_id, action_id)
            if entry.status == "sending":
                seen_leases.add(entry.lease_until)
                assert entry.owner == "host-a:1"
                taken = second.run_once()
                assert entry.id not in taken.delivered + taken.retrying + taken.uncertain
        runner.join()
        ids = received_ids(server.recorder, ws_id, mailing_id)
    assert len(seen_leases) >= 2, "the lease was renewed while the campaign ran"
    assert sum(ids.values()) == 24 and set(ids.values()) == {1}
    assert campaign_entry(app, ws_id, action_id).status == "sent"
