"""Importing deals from HubSpot and Pipedrive exports: the report (created, updated, skipped,
invalid with reasons, invalid rows as CSV), pipelines made from the file, undo -- on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from righthand.duties.sales import import_apply, pipelines, records
from righthand.service import executor, workspaces
from righthand.service.undo import undo
from righthand.store.tables import DealContactRow, DealRow, ImportJob, Workspace
from tests.support.manager import manager_workspace

HUBSPOT = """Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Deal owner,Associated Company,Associated Contact,Create Date,Weighted amount
101,Acme renewal,Qualified To Buy,Sales Pipeline,"$12,500.00",2026-12-20 00:00,Pat Lee,Acme Corp,Bob Chen,2026-10-01,5000
102,Globex pilot,Closed Won,Sales Pipeline,8000,2026-11-10,Pat Lee,Globex,,2026-09-12,8000
103,Initech upsell,Contract Sent,Sales Pipeline,lots,2026-12-01,Pat Lee,Initech,,2026-10-05,0
104,,Contract Sent,Sales Pipeline,100,2026-12-01,Pat Lee,,,2026-10-05,0
105,Umbrella deal,Presentation Scheduled,Sales Pipeline,"4,200",12/15/2026,Pat Lee,Umbrella,nobody@nowhere.example,2026-10-07,0
"""
PIPEDRIVE = """Deal - ID;Deal - Title;Deal - Value;Deal - Currency;Deal - Stage;Deal - Pipeline;Deal - Status;Deal - Expected close date;Deal - Contact person;Deal - Organization;Deal - Lost reason
7;Nguyen purchase;365000;USD;Offer;Residential real estate;open;20/01/2027;Liam Nguyen;;
8;Park condo;510.000,00;EUR;Showing;Residential real estate;open;15/02/2027;;;
9;Old lead;90000;USD;Lead;Residential real estate;lost;;;;Went cold
10;Bad stage;1000;USD;Escrow-ish;Residential real estate;open;;;;
"""


def _import(app, wid: int, data: str, name: str, mode: str = "update") -> tuple[ImportJob, int]:
    with app.db.unit(wid) as session:
        job = import_apply.prepare(session, wid, data.encode("utf-8"), name, app.clock(),
                                   mode=mode)
        action = import_apply.import_action(job)
        ws = session.get(Workspace, wid)
        proposed = executor.propose(session, wid, action, workspaces.job_description(session, ws),
                                    app.catalog, app.clock(), "client", app.approval_ttl)
        assert proposed.decision.name == "allow", proposed.decision.reason
        action_id = proposed.row.id
    app.dispatcher().run_once(only=[action_id])
    with app.db.unit(wid, write=False) as session:
        found = session.get(ImportJob, job.id)
        session.expunge(found)
    return found, action_id


def test_hubspot_export(app):
    wid, _slug = manager_workspace(app)
    job, action_id = _import(app, wid, HUBSPOT, "hubspot-deals.csv")
    assert job.status == "done" and job.kind == "deals-csv"
    assert job.report["format"] == "hubspot"
    assert (job.total, job.created, job.updated, job.skipped, job.invalid) == (5, 3, 0, 0, 2)
    reasons = dict(job.report["invalid_reasons"])
    assert reasons == {"4": "amount 'lots' is not a number", "5": "no deal name"}
    assert "Weighted amount" in job.report["not_imported"]
    assert job.report["result"]["contacts_not_found"] == ["nobody@nowhere.example"]
    rows = list(csv.reader(io.StringIO(job.invalid_rows)))
    assert rows[0][:3] == ["row", "reason", "Record ID"]
    assert [r[:2] for r in rows[1:]] == [["4", "amount 'lots' is not a number"],
                                         ["5", "no deal name"]]
    with app.db.unit(wid, write=False) as session:
        hub = pipelines.find(session, "Sales Pipeline")
        assert [s.key for s in hub.stages][:2] == ["appointment_scheduled", "qualified_to_buy"]
        deals = {d.title: d for d in records.load(session, status=None, pipeline_id=hub.id)}
        acme = deals["Acme renewal"]
        assert (acme.stage.name, acme.amount, acme.company, acme.external_id) == \
            ("Qualified To Buy", 12500, "Acme Corp", "hubspot:101")
        assert acme.probability == 40  # the stage's default
        assert [p.name for p in acme.parties] == ["Bob Chen"]
        assert deals["Globex pilot"].status == "won"
        assert deals["Umbrella deal"].expected_close.isoformat() == "2026-12-15"
    # The same file again: nothing new; every row is known by its HubSpot id.
    again, _ = _import(app, wid, HUBSPOT, "hubspot-deals.csv")
    assert (again.created, again.updated, again.skipped) == (0, 0, 3)
    # Undo of the first import removes what it created, and its new pipeline.
    with app.db.unit(wid) as session:
        message = undo(session, app.registry, action_id, app.clock())
    assert "removed 3 deals" in message
    with app.db.unit(wid, write=False) as session:
        assert session.scalars(select(DealRow).where(DealRow.external_id.like("hubspot:%"))
                               ).all() == []
        assert "sales_pipeline" not in {p.key for p in pipelines.all_pipelines(session)}


def test_pipedrive_export_updates_known_deals(app):
    wid, _slug = manager_workspace(app)
    job, _ = _import(app, wid, PIPEDRIVE, "deals.csv")
    assert job.report["format"] == "pipedrive" and job.report["delimiter"] == ";"
    assert (job.created, job.updated, job.invalid) == (2, 1, 1)
    assert "has no stage 'Escrow-ish'" in job.report["invalid_reasons"][0][1]
    with app.db.unit(wid, write=False) as session:
        deals = {d.title: d for d in records.load(session, status=None)}
        nguyen = deals["Nguyen purchase"]  # known by its title: updated, not duplicated
        assert nguyen.amount == 365000 and nguyen.external_id == "pipedrive:7"
        assert nguyen.expected_close.isoformat() == "2027-01-20"  # day-first file
        park = deals["Park condo"]
        assert (park.amount, park.currency, park.stage.key) == (510000, "EUR", "showing")
        old = deals["Old lead"]
        assert (old.status, old.lost_reason) == ("lost", "Went cold")
        links = session.scalars(select(DealContactRow).where(
            DealContactRow.deal_id == nguyen.id)).all()
        assert len(links) == 1  # Liam was already on it
    # skip mode leaves known deals alone.
    skipped, _ = _import(app, wid, PIPEDRIVE.replace("365000", "999999"), "deals.csv", "skip")
    assert (skipped.created, skipped.updated, skipped.skipped) == (0, 0, 3)
