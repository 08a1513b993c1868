"""A personalised email campaign: speed against Postfix's smtp-sink next to `mailmerge`, and
safety when the sender is killed half-way.

(a) Speed: N recipients (default 10,000) on a list; one approved campaign delivered by the
    dispatcher (embedded SQLite, the per-recipient send log kept: one commit per message) to
    `smtp-sink` on a free loopback port. In the same run the `mailmerge` CLI (PyPI) sends the
    same N personalised messages to the same sink (`--no-dry-run --no-limit`). Target: at least
    twice mailmerge's messages per second.
(b) Safety: a campaign to an aiosmtpd server that records every Message-ID; `righthand outbox
    dispatch` runs as its own process and is SIGKILLed when about half have arrived, then run
    again (recovery + resume); the client then resends the uncertain ones
    (`righthand mailings resend-uncertain`). Counted: delivered, duplicates, messages in flight
    at the kill, lost (must be 0).

Environment: RECIPIENTS (a), SAFETY_RECIPIENTS (b, default RECIPIENTS), CONNECTIONS (SMTP
connections of the campaign, default 2 as in `righthand mailings send`), ROUNDS (a: best of
alternating runs, default 3), SMTP_SINK (path).
Last line: {"recipients": N, "msgs_per_s": X, "mailmerge_msgs_per_s": Y, "ratio": X/Y,
            "delivered": N, "duplicates": D, "in_flight_at_kill": K, "lost": 0, ...}
"""

from __future__ import annotations

import asyncio
import csv
import email
import email.policy
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from righthand.bootstrap import build
from righthand.config import load_settings
from righthand.duties.mailings import preview, proposals, store
from righthand.policy.duties import Phase
from righthand.policy.limits import Limits
from righthand.service import approvals, executor, workspaces
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    Mailing,
    MailingListRow,
    MailingRecipient,
    Subscription,
    Workspace,
)

RECIPIENTS = int(os.environ.get("RECIPIENTS", "10000"))
SAFETY = int(os.environ.get("SAFETY_RECIPIENTS", str(RECIPIENTS)))
SINK = os.environ.get("SMTP_SINK", "/usr/sbin/smtp-sink")
ROUNDS = int(os.environ.get("ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "2"))  # the default of `mailings send`
RIGHTHAND = [sys.executable, "-m", "righthand.cli"]
SUBJECT = "Spring on the harbour, {{ first_name | default('neighbour') }}"
BODY = ("Hi {{ first_name | default('there') }},\n\n"
        "Spring is here, and so are the buyers: homes near you sold in 21 days on average.\n"
        "{% if company %}\nIf anyone at {{ company }} is thinking of moving, we can help.\n"
        "{% endif %}\nThinking of selling? Reply for a free valuation.\n\nPat Lee\n"
        "Harbour & Pine Realty\n")
MAILMERGE_TEMPLATE = ("TO: {{email}}\nSUBJECT: Spring on the harbour, {{first_name}}\n"
                      "FROM: Pat Lee <assistant@righthand.local>\n\n" + BODY.replace(
                          "{{ first_name | default('there') }}", "{{first_name}}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def person(i: int) -> tuple[str, str, str | None]:
    return f"reader{i:05d}@example.com", f"Reader{i}", (f"Company {i % 97}" if i % 3 else None)


def setup(home: Path, count: int, name: str, smtp_url: str) -> tuple[Any, int, int]:
    """A Phase I workspace with ``count`` confirmed subscribers and an approved campaign."""
    settings = load_settings({"RIGHTHAND_HOME": str(home), "RIGHTHAND_SMTP_URL": smtp_url})
    app = build(settings, create_schema=True)
    now = datetime.now(UTC)
    with app.db.unit(None) as session:
        ws = workspaces.create(session, slug="bench", client_name="Pat Lee",
                               assistant_name="Jane", timezone="UTC", phase=Phase.I,
                               catalog=app.catalog, now=now)
        workspaces.set_current(session, ws.slug)
        ws.profile = {"business_name": "Harbour & Pine Realty"}
        wid = ws.id
        # The client lifts the quiet hours for this duty (the benchmark runs at any hour).
        setting = workspaces.job_description(session, ws).setting("mailings.send")
        workspaces.set_duty(session, ws, "mailings.send", replace(setting, limits=Limits()),
                            app.catalog, now)
    with app.db.engine.begin() as conn:
        list_id = conn.execute(insert(MailingListRow).values(
            workspace_id=wid, slug="newsletter", name="Newsletter", opt_in="single")
            .returning(MailingListRow.id)).scalar_one()
        rows = [person(i) for i in range(count)]
        conn.execute(insert(ContactRow), [
            {"workspace_id": wid, "given_name": first, "family_name": "Reader",
             "display_name": f"{first} Reader", "company": company, "created_at": now}
            for _address, first, company in rows])
        ids = list(conn.scalars(select(ContactRow.id).where(ContactRow.workspace_id == wid)
                                .order_by(ContactRow.id)))
        conn.execute(insert(ContactEmail), [
            {"workspace_id": wid, "contact_id": cid, "address": address}
            for cid, (address, _f, _c) in zip(ids, rows, strict=True)])
        conn.execute(insert(Subscription), [
            {"workspace_id": wid, "list_id": list_id, "contact_id": cid, "state": "confirmed",
             "source": "benchmark", "changed_at": now} for cid in ids])
    with app.db.unit(wid) as session:
        mailing = store.create(session, wid, name=name, list_name="newsletter", subject=SUBJECT,
                               text=BODY, html=None, now=now)
        report = preview.dry_run(session, mailing)
        assert report.ok and report.would_send == count, report.summary()
        action = proposals.campaign_action(session, mailing, report, connections=CONNECTIONS)
        ws_row = session.get(Workspace, wid)
        assert ws_row is not None
        job = workspaces.job_description(session, ws_row)
        proposed = executor.propose(session, wid, action, job, app.catalog, now, "client",
                                    app.approval_ttl)
        assert proposed.approval_id is not None, proposed.decision
        approvals.approve(session, proposed.approval_id, job, app.catalog, now)
        return app, wid, mailing.id


def statuses(app: Any, wid: int, mailing_id: int) -> Counter[str]:
    with app.db.unit(wid, write=False) as session:
        return Counter(session.scalars(select(MailingRecipient.status).where(
            MailingRecipient.mailing_id == mailing_id)))


# -- (a) speed ----------------------------------------------------------------------------------
def sink_command(port: int) -> list[str]:
    command = [SINK]
    if os.geteuid() == 0:
        command += ["-u", "root"]
    return [*command, f"127.0.0.1:{port}", "1000"]


def ours(tmp: Path, port: int, round_: int) -> float:
    """Seconds for Righthand to deliver the campaign (send log kept) to the sink."""
    app, wid, mailing_id = setup(tmp / f"speed{round_}", RECIPIENTS, "Spring newsletter",
                                 f"smtp://127.0.0.1:{port}")
    dispatcher = app.dispatcher()
    started = time.perf_counter()
    while True:
        report = dispatcher.run_once()
        if report.delivered or not report.total:
            break
    seconds = time.perf_counter() - started
    counts = statuses(app, wid, mailing_id)
    assert counts == Counter({"sent": RECIPIENTS}), counts
    app.db.dispose()
    print(f"righthand: {RECIPIENTS} messages in {seconds:.2f} s "
          f"({RECIPIENTS / seconds:.0f}/s), send log kept: {dict(counts)}")
    return seconds


def theirs(tmp: Path, port: int) -> float:
    """Seconds for the mailmerge CLI to send the same personalised messages to the sink."""
    folder = tmp / "mailmerge"
    if not folder.exists():
        folder.mkdir()
        (folder / "mailmerge_template.txt").write_text(MAILMERGE_TEMPLATE, encoding="utf-8")
        with (folder / "mailmerge_database.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["email", "first_name", "company"])
            for i in range(RECIPIENTS):
                address, first, company = person(i)
                writer.writerow([address, first, company or ""])
        (folder / "mailmerge_server.conf").write_text(
            f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n", encoding="utf-8")
    mailmerge = shutil.which("mailmerge", path=str(Path(sys.executable).parent)) or "mailmerge"
    started = time.perf_counter()
    done = subprocess.run([mailmerge, "--no-dry-run", "--no-limit", "--output-format", "raw",
                           "--template", "mailmerge_template.txt",
                           "--database", "mailmerge_database.csv",
                           "--config", "mailmerge_server.conf"],
                          cwd=folder, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    sent = len(re.findall(r">>> message \d+ sent", done.stdout))
    assert done.returncode == 0 and sent == RECIPIENTS, (done.returncode, sent,
                                                         done.stderr[-500:])
    print(f"mailmerge: {RECIPIENTS} messages in {seconds:.2f} s ({RECIPIENTS / seconds:.0f}/s)")
    return seconds


def speed(tmp: Path) -> tuple[float, float]:
    """Best of ROUNDS alternating runs each (the machine may be busy with other work)."""
    port = free_port()
    sink = subprocess.Popen(sink_command(port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        mine, other = [], []
        for round_ in range(ROUNDS):
            mine.append(ours(tmp, port, round_))
            other.append(theirs(tmp, port))
        return min(mine), min(other)
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)


# -- (b) safety ---------------------------------------------------------------------------------
class Recorder:
    """Records the Message-ID of every message accepted."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.compat32)
        with self.lock:
            self.ids.append(str(message["Message-ID"]))
        await asyncio.sleep(0)
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.ids)


def safety(tmp: Path) -> dict[str, int]:
    home = tmp / "safety"
    port = free_port()
    app, wid, mailing_id = setup(home, SAFETY, "Spring safety", f"smtp://127.0.0.1:{port}")
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env.update({"RIGHTHAND_HOME": str(home), "RIGHTHAND_SMTP_URL": f"smtp://127.0.0.1:{port}",
                "RIGHTHAND_WORKSPACE": "bench"})
    try:
        child = subprocess.Popen([*RIGHTHAND, "outbox", "dispatch"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while recorder.count() < SAFETY // 2:
            if child.poll() is not None or time.monotonic() > deadline:
                err = child.stderr.read() if child.stderr else ""
                raise SystemExit(f"the dispatcher ended before half of the campaign: {err}")
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        at_kill = recorder.count()
        time.sleep(0.2)
        left = statuses(app, wid, mailing_id)
        in_flight = left["sending"]
        print(f"killed at {at_kill} received; send log then: {dict(left)}")
        for args in (["outbox", "dispatch"], ["outbox", "dispatch"]):
            subprocess.run([*RIGHTHAND, *args], env=env, check=True, capture_output=True)
        after = statuses(app, wid, mailing_id)
        print(f"after the restart: {dict(after)}")
        if after["uncertain"]:
            subprocess.run([*RIGHTHAND, "mailings", "resend-uncertain", "Spring safety"],
                           env=env, check=True, capture_output=True)
        final = statuses(app, wid, mailing_id)
        with app.db.unit(wid, write=False) as session:
            expected = set(session.scalars(select(MailingRecipient.message_id).where(
                MailingRecipient.mailing_id == mailing_id)))
        with app.db.unit(wid, write=False) as session:
            status = session.scalars(select(Mailing.status).where(
                Mailing.id == mailing_id)).one()
    finally:
        controller.stop()
        app.db.dispose()
    received = Counter(recorder.ids)
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    lost = len([m for m in expected if received[m] == 0])
    print(f"final send log: {dict(final)}, mailing {status}; distinct received "
          f"{len(received)}, duplicates {duplicates}, lost {lost}")
    return {"delivered": len(received), "duplicates": duplicates, "in_flight_at_kill": in_flight,
            "uncertain_after_restart": after["uncertain"], "lost": lost,
            "strangers": len(set(received) - expected)}


def main() -> None:
    if not Path(SINK).exists():
        raise SystemExit(f"{SINK} not found: apt-get install postfix (it provides smtp-sink)")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        seconds, theirs_seconds = speed(tmp)
        figures = safety(tmp)
    rate, their_rate = RECIPIENTS / seconds, RECIPIENTS / theirs_seconds
    print(f"speed (best of {ROUNDS}): {rate:.0f}/s vs mailmerge {their_rate:.0f}/s = "
          f"{rate / their_rate:.2f}x (target >= 2x); safety on {SAFETY} recipients: {figures}")
    print(json.dumps({"recipients": RECIPIENTS, "msgs_per_s": round(rate, 1),
                      "mailmerge_msgs_per_s": round(their_rate, 1),
                      "ratio": round(rate / their_rate, 2),
                      "delivered": figures["delivered"], "duplicates": figures["duplicates"],
                      "in_flight_at_kill": figures["in_flight_at_kill"], "lost": figures["lost"],
                      "safety_recipients": SAFETY, "seconds": round(seconds, 2),
                      "mailmerge_seconds": round(theirs_seconds, 2)}))


if __name__ == "__main__":
    main()
