"""Importing contacts: read and check the whole file first (so the report of invalid rows
exists even while the import waits for the client's approval), then apply it on delivery in
one transaction of batched statements.

Progress (the web console's progress bar): a job's ``rows_done`` of ``rows_total`` counts the
rows checked while it is ``checking`` (the total is then an estimate from the file's line
count), then the good records applied. :class:`Progress` writes the counter at most every
:data:`PROGRESS_SECONDS`, each time in a short transaction of its own -- except on SQLite while
the import is applied: its one transaction holds SQLite's only write lock, so no other
connection can commit anything until it ends, and the counter is then kept in this process
(:func:`live`) for the pages it serves; the job's row gets the final count with the import.

Modes: ``add`` creates new contacts and only adds to known ones (missing fields, emails,
phones, tags); ``update`` also overwrites known contacts' fields with the file's non-empty
values; ``skip`` leaves known contacts alone. In every mode subscription states are kept: an
import never turns an unsubscribe back into a subscription.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists import csv_io
from righthand.duties.lists.columns import Target, plan
from righthand.duties.lists.contacts import email_owners, phone_owners
from righthand.duties.lists.normalise import InvalidValue
from righthand.duties.lists.records import ContactData
from righthand.duties.lists.rows import build_record
from righthand.duties.lists.subscriptions import resolve_list
from righthand.errors import BadInput
from righthand.store.tables import ImportJob, MailingListRow

log = logging.getLogger(__name__)
MODES = ("add", "update", "skip")
MAX_BYTES = 200 * 1024 * 1024
PROGRESS_SECONDS = 0.5  # how often a running check or import writes its counter
_LIVE_KEEP = 64  # counters of imports applied in this process (SQLite), newest kept
_live: OrderedDict[tuple[str, int], tuple[int, int]] = OrderedDict()
_live_lock = threading.Lock()


def live(engine: Engine, job_id: int) -> tuple[int, int] | None:
    """(rows done, rows total) of an import being applied in this process, if there is one:
    on SQLite the only place its counter is before the import commits."""
    with _live_lock:
        return _live.get((str(engine.url), job_id))


class Progress:
    """The counter of one job: call it with the rows done so far; it writes ``rows_done`` (and
    ``rows_total`` when given) at most every :data:`PROGRESS_SECONDS`, in a short transaction
    of its own on ``engine`` -- or, with ``commit=False``, only into :func:`live`."""

    def __init__(self, engine: Engine, workspace_id: int, job_id: int, total: int | None, *,
                 commit: bool = True) -> None:
        self.engine, self.workspace_id, self.job_id = engine, workspace_id, job_id
        self.total, self.commit = total, commit
        self.done = 0
        self._last = float("-inf")
        self._published: int | None = None

    def __call__(self, done: int, *, force: bool = False) -> None:
        """Note ``done`` rows; publish them when it is time (or ``force``) and they changed."""
        self.done = done
        now = time.monotonic()
        if done != self._published and (force or now - self._last >= PROGRESS_SECONDS):
            self._last, self._published = now, done
            self.publish()

    def publish(self) -> None:
        """Write the counter now."""
        done = min(self.done, self.total) if self.total is not None else self.done
        if not self.commit and self.total is not None:  # only an import SQLite keeps unseen
            with _live_lock:
                key = (str(self.engine.url), self.job_id)
                _live[key] = (done, self.total)
                _live.move_to_end(key)
                while len(_live) > _LIVE_KEEP:
                    _live.popitem(last=False)
        if not self.commit:
            return
        values: dict[str, int] = {"rows_done": done}
        if self.total is not None:
            values["rows_total"] = self.total
        try:
            with self.engine.connect().execution_options(righthand_write=True) as conn, \
                    conn.begin():
                if conn.dialect.name == "postgresql":  # never wait long: it is only a counter
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                conn.execute(update(ImportJob).where(ImportJob.id == self.job_id,
                                                     ImportJob.workspace_id == self.workspace_id)
                             .values(values))
        except DBAPIError as exc:  # the import goes on; the page shows the next count
            log.warning("import #%s: progress not saved: %s", self.job_id, exc.orig)


def separate_commits(session: Session) -> bool:
    """Whether a second connection can commit while ``session`` holds a write transaction
    (not on SQLite: one writer at a time)."""
    return session.get_bind().dialect.name != "sqlite"


@dataclass(frozen=True)
class ImportOptions:
    """How to read and apply a file."""

    mode: str = "add"
    mapping: Mapping[str, Target] = field(default_factory=dict)
    list_name: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    region: str | None = None  # where numbers without a country code are


@dataclass
class Parsed:
    """A file read and checked: good records (one compact JSON line each, which keeps a
    100,000-row import small in memory and in the job), bad rows with reasons, report notes."""

    format: str
    lines: list[str]
    invalid_header: list[str]
    invalid: list[list[str]]  # [row, reason, *cells]
    report: dict[str, Any]
    known: int = 0  # records that match a contact already there (when a matcher was given)

    @property
    def count(self) -> int:
        """How many good records."""
        return len(self.lines)

    def contacts(self) -> Iterator[ContactData]:
        """The good records."""
        return (ContactData.from_json(json.loads(line)) for line in self.lines)


Matcher = Callable[[ContactData], bool]
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def file_format(data: bytes, filename: str) -> str:
    """``vcard`` or ``csv``: what :func:`parse_file` reads the file as."""
    suffix = PurePath(filename).suffix.lower()
    text_start = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00\r\n\t ").upper()
    if suffix in {".vcf", ".vcard"} or text_start.replace(b"\x00", b"").startswith(
            b"BEGIN:VCARD"):
        return "vcard"
    return "csv"


def estimate_rows(data: bytes, filename: str) -> int:
    """About how many rows (or cards) a file holds, for the progress bar while it is checked:
    its lines after the header (a quoted cell may span lines), or its BEGIN:VCARD lines."""
    if file_format(data, filename) == "vcard":
        return max(data.upper().replace(b"\x00", b"").count(b"BEGIN:VCARD"), 1)
    lines = data.count(b"\n") + (0 if data.rstrip(b"\x00").endswith(b"\n") else 1)
    return max(lines - 1, 1)


def parse_file(data: bytes, filename: str, options: ImportOptions,
               is_known: Matcher | None = None,
               progress: Callable[[int], None] | None = None) -> Parsed:
    """Read and check every row of a CSV or vCard file (no database needed; ``is_known``
    tells which records match existing contacts, for the preview; ``progress`` hears how many
    CSV rows are checked, row by row)."""
    if len(data) > MAX_BYTES:
        raise BadInput(f"the file is larger than {MAX_BYTES // 2**20} MB",
                       hint="Split it into smaller files and import them one by one.")
    if file_format(data, filename) == "vcard":
        return _parse_vcards(data, options, is_known)
    return _parse_csv(data, options, is_known, progress)


def _keep(parsed: Parsed, record: ContactData, seen: dict[str, int], unit: str,
          cells: list[str], is_known: Matcher | None) -> None:
    """Keep a good record, unless its address already came earlier in the same file."""
    clash = next((seen[a] for a, _ in record.emails if a in seen), None)
    if clash is not None:
        parsed.invalid.append([str(record.line), f"the same email address as {unit} {clash}",
                               *cells])
        return
    for address, _ in record.emails:
        seen[address] = record.line
    parsed.lines.append(_ENCODE(record.to_json()))
    if is_known is not None and is_known(record):
        parsed.known += 1


def _parse_csv(data: bytes, options: ImportOptions, is_known: Matcher | None,
               progress: Callable[[int], None] | None = None) -> Parsed:
    table = csv_io.read_table(data, options.encoding, options.delimiter)
    targets = plan(table.header, dict(options.mapping))
    columns = {h: str(t) for h, t in zip(table.header, targets, strict=True) if h}
    parsed = Parsed("csv", [], ["row", "reason", *table.header], [], {
        "encoding": table.encoding, "delimiter": table.delimiter, "columns": columns,
        "attribute_columns": [h for h, t in zip(table.header, targets, strict=True)
                              if t.field == "attr" and h]})
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        if progress is not None:
            progress(number - 1)  # the spreadsheet's row number, less the header
        try:
            record = build_record(number, cells, targets, options.region)
        except InvalidValue as exc:
            parsed.invalid.append([str(number), str(exc), *cells])
            continue
        _keep(parsed, record, seen, "row", cells, is_known)
    return parsed


def _parse_vcards(data: bytes, options: ImportOptions, is_known: Matcher | None) -> Parsed:
    from righthand.duties.lists.vcard_io import read_vcards

    text, encoding = csv_io.decode(data, options.encoding)
    read = read_vcards(text, options.region)
    parsed = Parsed("vcard", [], ["card", "reason", "vcard"],
                    [[str(card.line), reason, card.text] for card, reason in read.invalid],
                    {"encoding": encoding})
    if read.skipped_properties:
        parsed.report["not_imported"] = read.skipped_properties
    seen: dict[str, int] = {}
    for record in read.records:
        _keep(parsed, record, seen, "card", [""], is_known)
    parsed.invalid.sort(key=lambda row: int(row[0]))
    return parsed


def invalid_csv(parsed: Parsed) -> str | None:
    """The invalid rows as CSV text (header, reason per row), or None when all were good."""
    if not parsed.invalid:
        return None
    import io

    out = io.StringIO()
    csv_io.write_csv(parsed.invalid_header, parsed.invalid, out)
    return out.getvalue()


def check_options(session: Session, options: ImportOptions) -> None:
    """BadInput for a wrong mode or list name (before any row is read)."""
    if options.mode not in MODES:
        raise BadInput(f"the import mode is add, update or skip, not {options.mode!r}",
                       hint="add: new contacts, fill gaps in known ones; update: also "
                            "overwrite known contacts' fields; skip: leave known ones alone.")
    if options.list_name:
        resolve_list(session, options.list_name)


def check(session: Session, data: bytes, filename: str, options: ImportOptions,
          progress: Callable[[int], None] | None = None) -> Parsed:
    """Read and check a file against the workspace (only reads: a big file is parsed
    outside the write transaction that records it)."""
    check_options(session, options)  # a wrong list name fails before the parse
    emails = email_owners(session)
    phones = phone_owners(session)
    return parse_file(data, filename, options,
                      lambda record: match(record, emails, phones) is not None, progress)


def start(session: Session, workspace_id: int, data: bytes, filename: str,
          options: ImportOptions, now: datetime) -> ImportJob:
    """A job for a file about to be checked (status ``checking``), so its page can show the
    check's progress; :func:`record` fills it in when the check is done."""
    check_options(session, options)
    kind = file_format(data, filename)
    job = ImportJob(workspace_id=workspace_id, kind=f"contacts-{kind}",
                    filename=PurePath(filename).name[:500], mode=options.mode,
                    status="checking", rows_total=estimate_rows(data, filename), rows_done=0,
                    report={"format": kind, "sha256": hashlib.sha256(data).hexdigest(),
                            "size": len(data)}, started_at=now)
    session.add(job)
    session.flush()
    return job


def fail(session: Session, job_id: int, problem: str, hint: str | None) -> None:
    """Mark a job whose check failed, with what to do about it."""
    job = session.get(ImportJob, job_id)
    if job is not None and job.status == "checking":
        job.status = "failed"
        job.report = {**job.report, "error": problem, "hint": hint}


def record(session: Session, workspace_id: int, parsed: Parsed, data: bytes, filename: str,
           options: ImportOptions, now: datetime, job_id: int | None = None) -> ImportJob:
    """Record a checked file as an import job (status ``prepared``), report and all: a new
    one, or the ``checking`` job ``job_id`` made by :func:`start`."""
    mailing_list = resolve_list(session, options.list_name) if options.list_name else None
    report = dict(parsed.report)
    report.update(
        format=parsed.format, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        list_id=mailing_list.id if mailing_list else None,
        list=mailing_list.slug if mailing_list else None,
        preview={"new": parsed.count - parsed.known, "known": parsed.known},
        invalid_reasons=[[row[0], row[1]] for row in parsed.invalid[:50]],
        rows="\n".join(parsed.lines))
    fields: dict[str, Any] = {
        "kind": f"contacts-{parsed.format}", "filename": PurePath(filename).name[:500],
        "mode": options.mode, "status": "prepared", "total": parsed.count + len(parsed.invalid),
        "invalid": len(parsed.invalid), "report": report, "invalid_rows": invalid_csv(parsed),
        "rows_total": parsed.count, "rows_done": 0}
    if job_id is None:
        job = ImportJob(workspace_id=workspace_id, started_at=now, **fields)
        session.add(job)
    else:
        job = job_for(session, job_id)
        if job.status != "checking":
            raise BadInput(f"import #{job_id} is {job.status}, not being checked",
                           hint="Import the file again.")
        for name, value in fields.items():
            setattr(job, name, value)
    session.flush()
    return job


def prepare(session: Session, workspace_id: int, data: bytes, filename: str,
            options: ImportOptions, now: datetime) -> ImportJob:
    """:func:`check` and :func:`record` in one transaction."""
    parsed = check(session, data, filename, options)
    return record(session, workspace_id, parsed, data, filename, options, now)


def match(record: ContactData, emails: Mapping[str, int],
          phones: Mapping[str, int]) -> int | None:
    """The existing contact a record is: by email address; by phone number only when the
    record has no address (a shared office number must not merge two people)."""
    for address, _ in record.emails:
        if address in emails:
            return emails[address]
    if record.emails:
        return None
    for phone in record.phones:
        if phone.e164 and phone.e164 in phones:
            return phones[phone.e164]
    return None


def stored_rows(job: ImportJob) -> list[str]:
    """The good records a prepared job keeps, one JSON line each."""
    rows = job.report.get("rows") or ""
    return rows.split("\n") if rows else []


def import_action(job: ImportJob) -> Action:
    """The contacts.import action for a prepared job: what the gate and the client see."""
    report = job.report
    preview = report.get("preview", {})
    valid = job.total - job.invalid
    payload: dict[str, Any] = {
        "import_job_id": job.id, "file": job.filename, "format": report.get("format"),
        "sha256": report.get("sha256"), "size": report.get("size"), "mode": job.mode,
        "list_id": report.get("list_id"), "list": report.get("list"),
        "rows": valid, "invalid": job.invalid, "new": preview.get("new", 0),
        "known": preview.get("known", 0)}
    if report.get("columns"):
        payload["mapping"] = report["columns"]
    into = f" into {report['list']}" if report.get("list") else ""
    left_out = f"; {job.invalid} invalid rows left out" if job.invalid else ""
    summary = (f"Import {valid:,} contacts from {job.filename} ({preview.get('new', 0):,} new, "
               f"{preview.get('known', 0):,} known; mode {job.mode}{left_out}){into}")
    return Action(duty="lists.maintain", kind="contacts.import", payload=payload,
                  summary=summary, undoable=True)


def job_for(session: Session, job_id: int) -> ImportJob:
    """An import job of this workspace, or BadInput."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise BadInput(f"there is no import #{job_id}",
                       hint="See the imports with `righthand contacts imports`.")
    return job


def list_of(session: Session, payload: Mapping[str, Any]) -> MailingListRow | None:
    """The list an import subscribes to, if any (it must still exist)."""
    if payload.get("list_id") is None:
        return None
    row = session.get(MailingListRow, int(payload["list_id"]))
    if row is None:
        raise BadInput(f"the list {payload.get('list')!r} no longer exists",
                       hint="Import again without --list, or create the list first.")
    return row


def lists_by_slug(session: Session) -> dict[str, MailingListRow]:
    """Every list of the workspace by lower-case slug."""
    return {r.slug.lower(): r for r in session.scalars(select(MailingListRow))}


def recent_jobs(session: Session, limit: int = 20) -> list[ImportJob]:
    """The newest imports."""
    return list(session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)))


def count_jobs(session: Session) -> int:
    """How many imports this workspace has."""
    return int(session.scalar(select(func.count()).select_from(ImportJob)) or 0)


def describe(job: ImportJob) -> list[str]:
    """The report of an import, line by line, with what to do about invalid rows."""
    report = job.report
    lines = []
    if report.get("format") == "csv":
        delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
            report.get("delimiter", ","), report.get("delimiter"))
        lines.append(f"Read {job.filename} ({report.get('encoding')}, {delimiter}-separated): "
                     f"{job.total:,} rows.")
        if report.get("attribute_columns"):
            lines.append("Kept as attributes: " + ", ".join(report["attribute_columns"][:12])
                         + (" ..." if len(report["attribute_columns"]) > 12 else "") + ".")
    else:
        lines.append(f"Read {job.filename} ({report.get('encoding')}): {job.total:,} cards.")
    for what, number in (report.get("not_imported") or {}).items():
        lines.append(f"Not imported: {number} {what} propert{'y' if number == 1 else 'ies'}.")
    result = report.get("result")
    if result:
        lines.append(f"Import #{job.id}: created {result['created']:,}, updated "
                     f"{result['updated']:,}, skipped {result['skipped']:,}, invalid "
                     f"{job.invalid:,}.")
        notes = {"subscribed": "subscribed", "kept_unsubscribed": "kept unsubscribed (never "
                 "re-subscribed by an import)", "not_subscribed_suppressed": "not subscribed "
                 "(on the suppression list)", "unsubscribed": "recorded as unsubscribed",
                 "unknown_lists": "list names in the file that don't exist",
                 "emails_of_others": "addresses left with the contact that already had them"}
        for key, text in notes.items():
            if result.get(key):
                lines.append(f"  {result[key]:,} {text}")
    else:
        preview = report.get("preview", {})
        lines.append(f"Import #{job.id}: {preview.get('new', 0):,} new, "
                     f"{preview.get('known', 0):,} already known, {job.invalid:,} invalid.")
    if job.invalid:
        lines.append("Invalid rows (left out, nothing lost):")
        for row, reason in report.get("invalid_reasons", [])[:10]:
            lines.append(f"  {'card' if report.get('format') == 'vcard' else 'row'} {row}: "
                         f"{reason}")
        if job.invalid > 10:
            lines.append(f"  ... and {job.invalid - 10:,} more.")
        lines.append(f"Get them back with the reason per row: `righthand contacts invalid-rows "
                     f"{job.id} --out invalid.csv`; fix them and import that file.")
    return lines
