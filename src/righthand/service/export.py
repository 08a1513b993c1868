"""Export of one workspace (everything it holds, in standard formats where they exist) and its
deletion on request (everything gone, other workspaces untouched, recorded in the
installation log).

Export layout (a folder):

* ``contacts.vcf`` (vCard 3.0) and ``contacts.csv`` — the duty's own exporters;
* ``calendar.ics`` — every event, with its VTIMEZONEs (the calendar duty's exporter);
* ``mail.mbox`` — stored mail (the original bytes when kept, else rebuilt from what was read);
* ``csv/<table>.csv`` — mailing lists, subscriptions, suppressions, deals, supplies;
* ``json/<table>.json`` — every other table of the workspace (the audit log included);
* ``workspace.json`` and ``manifest.json`` (counts, formats, what was left out and why).

Credentials (sealed columns) are never exported.
"""

from __future__ import annotations

import base64
import csv
import json
import mailbox
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from righthand.errors import BadInput
from righthand.service import audit, oplog
from righthand.service.workspaces import CURRENT_KEY
from righthand.store.tables import (
    AuditHead,
    Base,
    MailMessage,
    Scoped,
    Workspace,
)
from righthand.store.tables.base import Sealed

if TYPE_CHECKING:
    from righthand.bootstrap import App

# Tables written as CSV (spreadsheets read them); the rest go to JSON.
CSV_TABLES = ("mailing_lists", "subscriptions", "suppressions", "segments", "deals",
              "pipelines", "pipeline_stages", "deal_contacts", "deal_tags", "deal_activities",
              "vendors", "items", "purchase_orders", "purchase_order_lines", "stock_moves")
# Never leave the installation: raw message bytes go to the mbox, not into JSON.
LEFT_OUT_COLUMNS = {("mail_messages", "raw")}


@dataclass
class ExportReport:
    """What an export wrote: file -> rows."""

    path: Path
    files: dict[str, int] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)


def scoped_tables() -> list[Table]:
    """Every table whose rows belong to one workspace, parents before children."""
    scoped = {str(getattr(m.class_, "__tablename__", "")) for m in Base.registry.mappers
              if issubclass(m.class_, Scoped)}
    return [t for t in Base.metadata.sorted_tables if t.name in scoped]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _cell(value: Any) -> str:
    from righthand.duties.lists.csv_io import escape_cell

    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return escape_cell(str(_plain(value)))


def _columns(table: Table) -> list[Any]:
    return [c for c in table.columns if not isinstance(c.type, Sealed)
            and (table.name, c.name) not in LEFT_OUT_COLUMNS]


def export_workspace(app: App, slug: str, dest: Path, actor: str = "operator") -> ExportReport:
    """Write everything workspace ``slug`` holds into the folder ``dest`` (made; must be
    empty)."""
    if dest.exists() and any(dest.iterdir()):
        raise BadInput(f"{dest} is not empty", hint="Give a new or empty folder.")
    (dest / "csv").mkdir(parents=True, exist_ok=True)
    (dest / "json").mkdir(exist_ok=True)
    report = ExportReport(dest)
    with app.db.unit(None, write=False) as lookup:
        ws = lookup.scalars(select(Workspace).where(Workspace.slug == slug)).first()
        if ws is None:
            raise BadInput(f"there is no workspace {slug!r}")
        ws_id = ws.id
        workspace_data = {c.name: _plain(getattr(ws, c.key, None))
                          for c in Workspace.__table__.columns}
    with app.db.unit(ws_id, write=False) as session:
        session.info["workspace_id"] = ws_id
        _standard_files(session, dest, report)
        conn = session.connection()
        for table in scoped_tables():
            columns = _columns(table)
            report.left_out += [f"{table.name}.{c.name} (credential)" for c in table.columns
                                if isinstance(c.type, Sealed)]
            order = list(table.primary_key.columns)
            rows = conn.execute(select(*columns).where(table.c.workspace_id == ws_id)
                                .order_by(*order)).mappings().all()
            if table.name in CSV_TABLES:
                name = f"csv/{table.name}.csv"
                with (dest / name).open("w", encoding="utf-8", newline="") as out:
                    writer = csv.writer(out, lineterminator="\r\n")
                    writer.writerow([c.name for c in columns])
                    for row in rows:
                        writer.writerow([_cell(row[c.name]) for c in columns])
            else:
                name = f"json/{table.name}.json"
                with (dest / name).open("w", encoding="utf-8") as out:
                    json.dump([{k: _plain(v) for k, v in row.items()} for row in rows], out,
                              ensure_ascii=False, indent=1, sort_keys=True)
            report.files[name] = len(rows)
    (dest / "workspace.json").write_text(json.dumps(workspace_data, indent=1, sort_keys=True,
                                                    ensure_ascii=False), encoding="utf-8")
    manifest = {"workspace": slug, "exported_at": app.clock().isoformat(),
                "files": report.files, "left_out": report.left_out,
                "formats": {"vcf": "vCard 3.0", "ics": "iCalendar RFC 5545",
                            "mbox": "mboxrd", "csv": "RFC 4180, UTF-8, formula-escaped",
                            "json": "one array of rows per table"}}
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True),
                                        encoding="utf-8")
    with app.db.unit(None) as session:
        oplog.append(session, actor, "workspace.exported", slug,
                     {"files": len(report.files), "rows": sum(report.files.values())},
                     at=app.clock())
    return report


def _standard_files(session: Session, dest: Path, report: ExportReport) -> None:
    from righthand.duties.lists.exporter import write_csv, write_vcards
    from righthand.service.calendar_files import export as export_calendar

    with (dest / "contacts.vcf").open("w", encoding="utf-8", newline="") as out:
        report.files["contacts.vcf"] = write_vcards(session, out)
    with (dest / "contacts.csv").open("w", encoding="utf-8", newline="") as out:
        report.files["contacts.csv"] = write_csv(session, out)
    text = export_calendar(session)
    (dest / "calendar.ics").write_text(text, encoding="utf-8", newline="")
    report.files["calendar.ics"] = text.count("BEGIN:VEVENT")
    report.files["mail.mbox"] = _write_mbox(session, dest / "mail.mbox")


def _write_mbox(session: Session, path: Path) -> int:
    box = mailbox.mbox(path, create=True)
    count = 0
    try:
        box.lock()
        for row in session.scalars(select(MailMessage).order_by(MailMessage.id)):
            box.add(mailbox.mboxMessage(row.raw if row.raw else _rebuilt(row).as_bytes()))
            count += 1
        box.flush()
    finally:
        box.unlock()
        box.close()
    return count


def _rebuilt(row: MailMessage) -> EmailMessage:
    """A message rebuilt from what screening read (the original bytes are not kept)."""
    facts = row.facts or {}
    message = EmailMessage()
    message["From"] = f"{row.from_name} <{row.from_address}>" if row.from_name \
        else row.from_address or "unknown@invalid"
    if facts.get("to"):
        message["To"] = ", ".join(str(a) for a in facts["to"])
    message["Subject"] = (row.subject or "").replace("\r", " ").replace("\n", " ")
    if row.sent_at:
        message["Date"] = format_datetime(row.sent_at)
    if row.message_id:
        message["Message-ID"] = row.message_id.replace("\r", "").replace("\n", "")
    message["X-Righthand-Folder"] = row.folder.replace("\r", "").replace("\n", "")
    message["X-Righthand-Category"] = row.category or ""
    message.set_content(str(facts.get("text") or ""))
    return message


# -- deletion ------------------------------------------------------------------------------
def delete_workspace(app: App, slug: str, actor: str = "operator",
                     reason: str = "") -> dict[str, int]:
    """Delete workspace ``slug`` and every row it owns; {table: rows deleted}. Recorded in
    the installation log (the workspace's own audit log goes with it)."""
    with app.db.unit(None) as session:
        ws = session.scalars(select(Workspace).where(Workspace.slug == slug)).first()
        if ws is None:
            raise BadInput(f"there is no workspace {slug!r}")
        ws_id = ws.id
        head = session.scalars(select(AuditHead).where(AuditHead.workspace_id == ws_id)).first()
        final = {"audit_entries": head.seq if head else 0,
                 "audit_head": head.hash if head else audit.GENESIS}
        counts: dict[str, int] = {}
        conn = session.connection()
        # Children before parents; explicit rather than trusting every ON DELETE CASCADE.
        for table in reversed(scoped_tables()):
            found = conn.execute(select(func.count()).select_from(table)
                                 .where(table.c.workspace_id == ws_id)).scalar_one()
            if found:
                conn.execute(delete(table).where(table.c.workspace_id == ws_id))
                counts[table.name] = found
        for table in Base.metadata.sorted_tables:  # memberships, API tokens
            if table.name != "workspaces" and "workspace_id" in table.c and \
                    table.name not in counts:
                conn.execute(delete(table).where(table.c.workspace_id == ws_id))
        session.expunge_all()
        workspaces, settings = (Base.metadata.tables["workspaces"],
                                Base.metadata.tables["settings"])
        conn.execute(delete(workspaces).where(workspaces.c.id == ws_id))
        conn.execute(delete(settings).where(settings.c.key == CURRENT_KEY,
                                            settings.c.value == slug))
        oplog.append(session, actor, "workspace.deleted", slug,
                     {"workspace_id": ws_id, "rows": counts, "reason": reason, **final},
                     at=app.clock())
    folder = app.settings.data_dir / "mail" / slug  # the local demo mailbox, if any
    if folder.is_dir():
        shutil.rmtree(folder)
    return counts

