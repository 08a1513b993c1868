"""Interoperability: our invitations are valid iCalendar that Radicale accepts, and our export
is read by khal (the bench extra) with the same events."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from righthand.connectors.caldav_client import CalDavServer
from righthand.duties.calendar import compose
from righthand.policy.duties import Phase
from righthand.service import calendar_files, demo
from righthand.store.tables import EventRow
from tests.conftest import new_workspace
from tests.integration.test_caldav_sync import Radicale
from tests.support.servers import need


def test_invitations_are_accepted_by_radicale(tmp_path, clock):
    server = Radicale(tmp_path)
    need(server.start(), "Radicale did not start")
    try:
        remote = CalDavServer(server.url)
        base = f"http://127.0.0.1:{server.port}"
        remote._request(f"{base}/pat/", "MKCOL")
        assert remote._request(f"{base}/pat/work/", "MKCALENDAR").status in {200, 201}
        now = clock()
        text = compose.new_event("invite@righthand", "Lunch with Bob", now + timedelta(days=1),
                                 now + timedelta(days=1, hours=1), "America/New_York", now,
                                 organizer=compose.Person("pat@example.com", "Pat Lee"),
                                 attendees=(compose.Person("bob@example.com", "Bob"),),
                                 alarm_minutes=15)
        invite = compose.itip(text, "REQUEST", now, "America/New_York")
        parsed = icalendar.Calendar.from_ical(invite)
        assert str(parsed["METHOD"]) == "REQUEST"
        assert remote.put("/pat/work/invite.ics", text, None)
        moved = compose.reschedule(text, now + timedelta(days=2),
                                   now + timedelta(days=2, hours=1), now, "America/New_York")
        assert remote.put("/pat/work/invite.ics", moved, remote.changes(
            f"{base}/pat/work/", None).changed["/pat/work/invite.ics"])
    finally:
        server.stop()


def test_khal_reads_our_export_with_the_same_events(single_app, tmp_path):
    khal = shutil.which("khal", path=str(Path(sys.executable).parent))
    if khal is None:
        pytest.skip("khal is not installed (pip install -e '.[bench]'); scripts/test.sh does")
    wid = new_workspace(single_app, Phase.III)
    with single_app.db.unit(wid) as session:
        demo._calendar(session, wid, single_app.clock())
        exported = calendar_files.export(session)
        ours = sorted({r.summary for r in session.scalars(select(EventRow))})
    file = tmp_path / "export.ics"
    file.write_text(exported)
    config = tmp_path / "khal.conf"
    (tmp_path / "vdir").mkdir()
    config.write_text(f"[calendars]\n[[x]]\npath = {tmp_path / 'vdir'}\n[locale]\n"
                      "local_timezone = America/New_York\ndefault_timezone = America/New_York\n"
                      "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
                      f"[sqlite]\npath = {tmp_path / 'khal.db'}\n")
    subprocess.run([khal, "-c", str(config), "import", "--batch", "-a", "x", str(file)],
                   check=True, capture_output=True, text=True)
    # Every event of the demo lies within two months of now. (`khal search ""` would expand
    # the weekday stand-up for years: 35 s for the same answer.)
    first = (single_app.clock() - timedelta(days=60)).date().isoformat()
    listed = subprocess.run([khal, "-c", str(config), "list", "-df", "", "--format", "{title}",
                             first, "120d"], check=True, capture_output=True, text=True).stdout
    theirs = sorted({line.strip() for line in listed.splitlines() if line.strip()})
    assert set(ours) <= set(theirs), (ours, theirs)
