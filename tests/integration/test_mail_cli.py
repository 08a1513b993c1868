"""The demo's mailbox through the real ``righthand`` command: a newcomer sees screening work,
and `mail connect` says exactly what failed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.servers import free_port


def _rh(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "righthand.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_demo_mailbox_is_screened_on_the_first_question(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _rh(home, "demo").returncode == 0
    assert _rh(home, "phase", "set", "II").returncode == 0
    asked = _rh(home, "ask", "--json", "Anything important in my email?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["intent"] == "screening.email_summary"
    assert "Loan approval: Jones, 22 Birch Lane" in answer["answer"]
    assert "Careful: 1 suspected phishing message" in answer["answer"]
    kinds = {(a["kind"], a["decision"]) for a in answer["actions"]}
    assert kinds == {("mail.file", "allow"), ("mail.draft_reply", "ask")}
    junk = home / "mail" / "demo" / ".Junk" / "new"
    assert len(list(junk.iterdir())) == 3  # the phishing attempt and two spams, filed
    closed = free_port()
    failed = _rh(home, "mail", "connect", "--imap-host", "127.0.0.1", "--imap-port",
                 str(closed), "--security", "none", "--user", "pat", "--password", "s3cret!")
    assert failed.returncode == 1
    assert f"mailbox: FAILED -- cannot connect to the IMAP server 127.0.0.1:{closed}" in \
        failed.stderr
    with sqlite3.connect(home / "righthand.db") as db:
        saved = db.execute("SELECT data FROM audit_log WHERE event = 'mail.account_saved' "
                           "ORDER BY id DESC").fetchone()[0]
        stored = db.execute("SELECT imap_password FROM mail_accounts").fetchone()[0]
    assert stored.startswith("rh1:") and "s3cret!" not in stored  # sealed at rest...
    assert "s3cret!" not in saved + failed.stdout + failed.stderr  # ...and shown nowhere
    assert '"passwords_changed": true' in saved
