"""Exactly-once screening when the poller is killed mid-way (SIGKILL) and run again.

``righthand mail poll`` runs as a separate process on a Maildir of a few hundred messages. It is
killed once a good part of them are screened, then run again to the end. Every message must be
stored once, screened once (one ``mail.screened`` audit entry, one ``mail.file`` action), and
filed once: the mailbox ends with exactly the messages it started with.
"""

from __future__ import annotations

import mailbox
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from righthand.bootstrap import App
from righthand.connectors.ports import MailboxConfig
from righthand.policy.duties import Phase
from righthand.store.tables import MailMessage
from tests.conftest import new_workspace, workspace_slug
from tests.support.mail import CliEnv
from tests.support.mailbox import actions, audit_count, connect, message, newsletter, rows

pytestmark = [pytest.mark.slow]

COUNT = 120
KILL_AFTER = 30


def _screened(app: App, workspace_id: int) -> int:
    with app.db.unit(workspace_id, write=False) as session:
        return int(session.scalar(select(func.count()).select_from(MailMessage)
                                  .where(MailMessage.state == "screened")) or 0)


def _message_ids(root: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for folder in [root, *[p for p in root.glob(".*") if p.is_dir()]]:
        for item in mailbox.Maildir(str(folder), create=False):
            found[str(item["Message-ID"])] += 1
    return found


def test_a_killed_screening_run_processes_every_message_exactly_once(
        app: App, tmp_path: Path, db_url: str) -> None:
    ws = new_workspace(app, Phase.II)
    root = tmp_path / "maildir"
    box = mailbox.Maildir(str(root), create=True)
    for i in range(COUNT):
        box.add(mailbox.MaildirMessage(newsletter(i) if i % 3 == 0 else
                                       message(subject=f"Note {i}", body=f"Note number {i}.")))
    before = _message_ids(root)
    # backfill: a first sync takes only the newest 200 by default; here it takes them all
    connect(app, ws, MailboxConfig(kind="maildir", maildir_path=str(root)), backfill=COUNT)
    cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws))

    first = cli.start("mail", "poll")
    deadline = time.monotonic() + 60
    while _screened(app, ws) < KILL_AFTER:
        if first.poll() is not None:
            out, err = first.communicate()
            pytest.fail(f"the poll ended before it could be killed: {out}\n{err}")
        assert time.monotonic() < deadline, "timed out waiting for screening to start"
        time.sleep(0.005)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    assert first.returncode == -signal.SIGKILL
    at_kill = _screened(app, ws)
    assert KILL_AFTER <= at_kill < COUNT, "the kill must land mid-way"

    done = cli.run("mail", "poll", timeout=120)
    assert "screened" in done.stdout
    assert cli.run("mail", "poll").stdout.startswith("Fetched 0")

    stored = rows(app, ws)
    assert len(stored) == COUNT and {r.state for r in stored} == {"screened"}
    assert len({r.message_key for r in stored}) == COUNT
    screened = audit_count(app, ws, "mail.screened")
    assert len(screened) == COUNT and set(screened.values()) == {1}
    files = Counter(a.payload["message"]["key"] for a in actions(app, ws, "mail.file"))
    assert len(files) == COUNT and set(files.values()) == {1}
    assert {a.state for a in actions(app, ws, "mail.file")} == {"done"}
    after = _message_ids(root)
    assert after == before  # every message still there, none filed twice
    newsletters = mailbox.Maildir(str(root / ".Newsletters"), create=False)
    assert len(newsletters) == COUNT // 3
