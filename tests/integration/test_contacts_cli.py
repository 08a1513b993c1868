"""`righthand contacts`, `righthand lists` and `righthand suppression` through the CLI
(typer's CliRunner on the default SQLite install), and errors that say what to do."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from righthand.cli import app, main
from tests.support.contacts import FEEDBACK, FIXTURES


@pytest.fixture
def rh(tmp_path, monkeypatch):
    for key in ("RIGHTHAND_DATABASE_URL", "RIGHTHAND_WORKSPACE", "RIGHTHAND_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("RIGHTHAND_HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def run(*args: str, ok: bool = True, stdin: str | None = None) -> str:
        result = runner.invoke(app, list(args), input=stdin)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
            return result.output
        assert result.exit_code != 0
        return result.output + str(result.exception or "")

    run("init", "--client", "Pat Lee", "--timezone", "America/New_York")
    return run


def _action(output: str) -> str:
    return re.search(r"righthand undo (\d+)", output).group(1)


def test_import_report_invalid_rows_and_undo(rh, tmp_path):
    rh("lists", "create", "newsletter", "--name", "Newsletter")
    out = rh("contacts", "import", str(FIXTURES / "hostile.csv"), "--list", "newsletter")
    assert "Read hostile.csv (utf-8, comma-separated): 11 rows." in out
    assert "Import #1: created 6, updated 0, skipped 0, invalid 5." in out
    assert "6 subscribed" in out and "row 5: the given name is longer" in out
    assert "righthand contacts invalid-rows 1 --out invalid.csv" in out
    action = _action(out)

    target = tmp_path / "invalid.csv"
    assert "Wrote 5 invalid rows" in rh("contacts", "invalid-rows", "1", "--out", str(target))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the accents right
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["row", "reason", "name"] and len(rows) == 6

    assert "#1 " in rh("contacts", "imports") and "[done]" in rh("contacts", "imports")
    assert "removed 6 contacts" in rh("undo", action)
    assert "[undone]" in rh("contacts", "imports")
    assert "Nobody matches" in rh("contacts", "search", "Eve")


def test_mapping_dry_run_and_modes(rh):
    out = rh("contacts", "import", str(FIXTURES / "google.csv"), "--dry-run")
    assert "3 new, 0 already known, 0 invalid" in out and "Nothing was imported" in out
    assert "Nobody matches" in rh("contacts", "search", "Patel")
    custom = FIXTURES.parent / "custom.csv"
    custom.write_text("Who;Reach;Cell\nJo Bloggs;jo@example.com;617 555 0101\n")
    try:
        out = rh("contacts", "import", str(custom), "--map", "Who=name", "--map", "Reach=email",
                 "--map", "Cell=phone:mobile", "--delimiter", ";")
    finally:
        custom.unlink()
    assert "created 1" in out
    shown = rh("contacts", "show", "jo@example.com")
    assert "Jo Bloggs" in shown and "617 555 0101 = +16175550101 (mobile)" in shown


def test_export_csv_and_vcard(rh, tmp_path):
    rh("lists", "create", "newsletter")
    rh("contacts", "import", str(FIXTURES / "hostile.csv"), "--list", "newsletter")
    rh("contacts", "import", str(FIXTURES / "apple_v3.vcf"))
    target = tmp_path / "contacts.csv"
    assert "Exported 9 contacts" in rh("contacts", "export", "--out", str(target))
    text = target.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(" in text and "newsletter:confirmed" in text
    members = tmp_path / "members.csv"
    assert "Exported 6 contacts" in rh("contacts", "export", "--list", "newsletter", "--out",
                                       str(members))
    cards = tmp_path / "contacts.vcf"
    rh("contacts", "export", "--format", "vcard", "--out", str(cards))
    assert cards.read_text().count("BEGIN:VCARD") == 9
    assert "BEGIN:VCARD" in rh("contacts", "export", "--format", "vcard")


def test_add_update_duplicates_merge(rh):
    out = rh("contacts", "add", "Jon Smith", "--email", "jon@example.com", "--phone",
             "617 555 0100", "--tag", "buyer")
    assert "Add the contact Jon Smith. Done" in out
    rh("contacts", "add", "John Smith", "--email", "JOHN@work.example", "--company", "Smith Co")
    out = rh("contacts", "update", "1", "--set", "city=Boston", "--attr", "source=fair",
             "--tag", "vip", "--add-email", "jon@home.example")
    assert "Update Jon Smith (#1). Done" in out
    shown = rh("contacts", "show", "1")
    assert "Boston" in shown and "source: fair" in shown and "jon@home.example" in shown
    assert "Tags: buyer, vip" in shown
    pairs = rh("contacts", "duplicates")
    assert "#1 Jon Smith  ~  #2 John Smith" in pairs
    assert "righthand contacts merge 1 2" in pairs
    merged = rh("contacts", "merge", "1", "2")
    assert "Merge John Smith (#2) into Jon Smith (#1). Done" in merged
    shown = rh("contacts", "show", "1")
    assert "john@work.example" in shown and "Smith Co" in shown
    assert "No likely duplicates" in rh("contacts", "duplicates")
    assert "Split #2 out of #1" in rh("undo", _action(merged))


def test_lists_subscriptions_segments_and_suppression(rh, tmp_path):
    rh("lists", "create", "newsletter", "--name", "Newsletter")
    rh("lists", "create", "buyers", "--name", "Buyer alerts", "--opt-in", "double")
    rh("contacts", "import", str(FIXTURES / "google.csv"), "--list", "newsletter")
    out = rh("lists", "subscribe", "buyers", "dev.patel@firstharbor.example")
    assert "Adding Dev Patel to Buyer alerts" in out and "Done" in out
    assert "already on Buyer alerts (unconfirmed)" in rh("lists", "subscribe", "buyers",
                                                        "dev.patel@firstharbor.example")
    shown = rh("lists", "show")
    assert "buyers  \"Buyer alerts\" (double opt-in): 0 confirmed, 1 unconfirmed" in shown
    assert "newsletter  \"Newsletter\" (single opt-in): 3 confirmed" in shown
    out = rh("lists", "unsubscribe", "newsletter", "Emma Wilson")
    assert "Taking Emma Wilson off Newsletter" in out
    members = rh("lists", "members", "newsletter")
    assert "Emma Wilson  unsubscribed since" in members and "3 members." in members
    assert "2 deliverable." in rh("lists", "members", "newsletter", "--deliverable")

    assert "Done" in rh("lists", "segments", "add", "lenders", "--where", "tag=lenders",
                        "--list", "newsletter")
    assert "lenders (list newsletter): has tag 'lenders'" in rh("lists", "segments", "list")
    shown = rh("lists", "segments", "show", "lenders", "--list", "newsletter")
    assert "1 contacts match: Dev Patel" in shown and "1 deliverable on Newsletter" in shown
    assert "Dev Patel" in rh("lists", "members", "newsletter", "--segment", "lenders")
    assert "Done" in rh("lists", "segments", "remove", "lenders")

    assert "Done" in rh("suppression", "add", "Liam.Nguyen@example.com", "--note", "asked")
    listing = rh("suppression", "list")
    assert "liam.nguyen@example.com  manual" in listing and "asked" in listing
    assert "1 deliverable." in rh("lists", "members", "newsletter", "--deliverable")
    assert "not on the suppression list" in rh("suppression", "remove",
                                               "dev.patel@firstharbor.example", ok=False)
    rh("suppression", "add", "emma.wilson@example.org", "--reason", "complaint")
    asked = rh("suppression", "remove", "emma.wilson@example.org", stdin="n\n")
    assert "Did they ask to receive mail again?" in asked and "Nothing changed" in asked
    assert "Done" in rh("suppression", "remove", "liam.nguyen@example.com", "--yes")
    rh("contacts", "import", str(FIXTURES / "hostile.csv"))
    out = rh("suppression", "feedback", str(FEEDBACK / "arf_complaint.eml"),
             str(FEEDBACK / "dsn_soft_delayed.eml"))
    assert "arf_complaint.eml: arf; hard bounces 0, soft 0, complaints 1" in out
    assert "dsn_soft_delayed.eml: dsn; hard bounces 0, soft 1" in out
    assert "feedback.processed" in rh("audit", "list", "--event", "feedback")


def test_asking_for_contacts_and_lists(rh):
    rh("lists", "create", "newsletter", "--name", "Newsletter")
    rh("contacts", "import", str(FIXTURES / "google.csv"), "--list", "newsletter")
    assert "3 on Newsletter: Dev Patel, Emma Wilson, Liam Nguyen." in rh(
        "ask", "Who is on the newsletter list?")
    assert "Dev Patel's phone: +1 617-555-0181 (mobile)" in rh(
        "ask", "What's Dev Patel's phone number?")
    assert "Done" in rh("ask", "Take Liam Nguyen off the newsletter")
    assert "Done" in rh("ask", "Add a contact: Jo Bloggs, jo@example.com, 617 555 0101")


def test_errors_are_one_line_with_what_to_do(rh, capsys, tmp_path):
    assert main(["contacts", "import", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "there is no file" in err and "Check the path" in err
    assert main(["contacts", "import", str(FIXTURES / "workbook.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert "ZIP archive" in err and "Save it as CSV" in err and "Traceback" not in err
    assert main(["contacts", "import", str(FIXTURES / "google.csv"), "--mode", "merge"]) == 2
    assert "add, update or skip" in capsys.readouterr().err
    assert main(["contacts", "import", str(FIXTURES / "google.csv"), "--map", "nonsense"]) == 2
    assert "Column header=field" in capsys.readouterr().err
    assert main(["lists", "members", "nope"]) == 1
    assert "no list called 'nope'" in capsys.readouterr().err
    assert main(["lists", "segments", "add", "x", "--where", "???"]) == 2
    assert main(["contacts", "merge", "1", "1"]) == 2
