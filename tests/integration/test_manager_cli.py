"""`righthand deals`, `righthand briefing` and `righthand remind` through the command line (in
process, for speed; test_first_slice runs the real executable), on the demo workspace in
Phase III (SQLite, the default install)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from righthand import cli
from righthand.bootstrap import build
from righthand.config import load_settings
from righthand.errors import NotDelegated
from righthand.policy.duties import Phase
from righthand.service import demo, workspaces


@pytest.fixture
def rh(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")
    application = build(load_settings(env), create_schema=True)
    with application.db.unit(None) as session:
        demo.seed(session, application.catalog, application.clock(), phase=Phase.III)
        workspaces.set_current(session, demo.SLUG)
    application.db.dispose()

    runner = CliRunner()
    home = {"RIGHTHAND_HOME": env["RIGHTHAND_HOME"], "RIGHTHAND_DATABASE_URL": None,
            "RIGHTHAND_WORKSPACE": None}

    def run(*args: str, ok: bool = True) -> str:
        result = runner.invoke(cli.app, list(args), env=home)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
            return result.output
        assert isinstance(result.exception, NotDelegated)
        return result.exception.one_line()

    return run


def test_the_manager_commands(rh, tmp_path):
    answer = rh("ask", "Where are we on the Jones closing?")
    assert answer.startswith("The Jones closing (22 Birch Lane, $615,000) is at Inspection")
    assert "We're waiting on Dev Patel (lender, First Harbor Bank)" in answer

    briefing = rh("briefing", "--html", str(tmp_path / "b.html"))
    assert "Deals needing attention" in briefing and "Running low" in briefing
    assert "<svg" in (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "What I did" in rh("briefing", "--weekly")

    listed = rh("deals", "list")
    assert "Jones closing: 22 Birch Lane" in listed and "stalled 21 days" in listed
    rh("deals", "pipeline", "--svg", str(tmp_path / "funnel.svg"))
    ElementTree.parse(tmp_path / "funnel.svg")
    moved = rh("deals", "move", "Nguyen", "under contract")
    assert moved.startswith("Done: Move Nguyen purchase from Offer to Under contract")
    assert "righthand undo" in moved
    assert "Jonse" not in rh("deals", "show", "the Joneses")

    assert "I'll remind you to call Bob Chen" in rh("remind", "call", "Bob", "Chen", "on",
                                                    "Friday")
    assert "Call Bob Chen" in rh("remind", "--list")

    exported = tmp_path / "pipedrive.csv"
    exported.write_text("Deal - Title,Deal - Value,Deal - Stage\nPark condo,510000,Showing\n"
                        ",1,Lead\nOdd one,x,Lead\n", encoding="utf-8")
    imported = rh("deals", "import", str(exported))
    assert "a Pipedrive export" in imported and "Created 1, updated 0, skipped 0, invalid 2" \
        in imported
    bad = tmp_path / "bad.csv"
    report = rh("deals", "import-report", imported.split("Import #")[1].split(":")[0],
                "--invalid-csv", str(bad))
    assert "2 invalid rows written" in report
    rows = list(csv.reader(bad.open(encoding="utf-8-sig")))
    assert rows[0][:2] == ["row", "reason"] and rows[1][1] == "no deal name"

    rh("phase", "set", "I")
    refused = rh("briefing", ok=False)
    assert "briefing.manage" in refused and "righthand phase set III" in refused
