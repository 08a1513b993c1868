"""``righthand contacts``: import, export, find, show, add, update, de-duplicate, merge."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import common
from righthand.commands.acting import act, outcome
from righthand.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.domain.actions import Action
    from righthand.store.tables import Workspace

app = typer.Typer(help="Contacts: import, export, find, merge duplicates.", no_args_is_help=True)

MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="'Column header=field' (email, phone[:label], name, given_name, family_name, "
                  "company, tags, notes, city, ..., attr:KEY, ignore). Repeatable.")]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"there is no file {path}", hint="Check the path and try again.") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not a file", hint="Name the CSV or .vcf file.") \
            from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}", hint="Check the file's "
                                                                    "permissions.") from None


def _region(ws: Workspace, given: str | None) -> str | None:
    from righthand.duties.lists.normalise import default_region

    return given.upper() if given else default_region(ws.timezone, ws.profile)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV or vCard (.vcf) file.")],
    mode: Annotated[str, typer.Option(help="add: new contacts, fill gaps in known ones; "
                                           "update: also overwrite known contacts' fields; "
                                           "skip: leave known contacts alone.")] = "add",
    mapping: MapOpt = None,
    list_: Annotated[str | None, typer.Option("--list", help="Subscribe everyone imported to "
                                                             "this list.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force an encoding "
                                                      "(default: detected).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Force a delimiter "
                                                       "(default: detected).")] = None,
    region: Annotated[str | None, typer.Option(help="Country of phone numbers without a "
                                                    "country code, e.g. US, GB.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only check the file.")] = False,
) -> None:
    """Import contacts; every import ends with a report and can be undone."""
    from righthand.duties.lists.columns import parse_mapping
    from righthand.duties.lists.importer import (
        ImportOptions,
        check,
        describe,
        import_action,
        record,
    )

    data = _read(file)
    if delimiter in {"tab", "\\t"}:
        delimiter = "\t"
    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        # Read and check the whole file first, without holding the database's write lock.
        options = ImportOptions(mode=mode.lower(), mapping=parse_mapping(mapping or []),
                                list_name=list_, encoding=encoding, delimiter=delimiter,
                                region=_region(ws, region))
        parsed = check(session, data, file.name, options)
    prepared: dict[str, int] = {}

    def build(session: Session, ws: Workspace) -> list[Action]:
        job = record(session, ws.id, parsed, data, file.name, options, application.clock())
        prepared["job"] = job.id
        if dry_run:
            for line in describe(job):
                typer.echo(line)
            job.status = "checked"
            job.report = {k: v for k, v in job.report.items() if k != "rows"}
            return []
        return [import_action(job)]

    acted = act(application, build)
    if dry_run:
        typer.echo("Nothing was imported (--dry-run).")
        return
    [done] = acted
    with common.workspace(application, write=done.decision == "deny") as (session, _ws):
        from righthand.duties.lists.importer import job_for

        job = job_for(session, prepared["job"])
        if done.decision == "deny":
            job.status = "refused"
        for line in describe(job):
            typer.echo(line)
    typer.echo(done.explain())


@app.command("invalid-rows")
def invalid_rows(job: int, out: Annotated[Path, typer.Option(help="Where to write the CSV.")]
                 ) -> None:
    """Write an import's invalid rows (with the reason per row) to a CSV file."""
    from righthand.duties.lists.importer import job_for

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        found = job_for(session, job)
        text = found.invalid_rows
    if not text:
        typer.echo(f"Import #{job} had no invalid rows.")
        return
    out.write_text(text, encoding="utf-8-sig", newline="")
    typer.echo(f"Wrote {found.invalid:,} invalid rows to {out}.")


@app.command("imports")
def imports(limit: Annotated[int, typer.Option(help="How many.")] = 20) -> None:
    """The latest imports and their reports."""
    from righthand.duties.lists.importer import recent_jobs

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        jobs = recent_jobs(session, limit)
        if not jobs:
            typer.echo("No imports yet. `righthand contacts import FILE` makes one.")
        for job in jobs:
            typer.echo(f"#{job.id} {job.started_at:%Y-%m-%d %H:%M} {job.filename} "
                       f"[{job.status}] mode {job.mode}: created {job.created:,}, updated "
                       f"{job.updated:,}, skipped {job.skipped:,}, invalid {job.invalid:,}")


@app.command("export")
def export(
    format_: Annotated[str, typer.Option("--format", help="csv or vcard.")] = "csv",
    out: Annotated[Path | None, typer.Option(help="File to write (default: the screen).")]
    = None,
    list_: Annotated[str | None, typer.Option("--list", help="Only this list's members.")]
    = None,
    segment: Annotated[str | None, typer.Option(help="Only this segment.")] = None,
) -> None:
    """Export contacts as CSV (with list memberships) or vCard 3.0."""
    from righthand.duties.lists import exporter

    if format_ not in {"csv", "vcard", "vcf"}:
        raise BadInput(f"the format is csv or vcard, not {format_!r}")
    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        ids = _selection(session, list_, segment)
        writer = exporter.write_csv if format_ == "csv" else exporter.write_vcards
        if out is None:
            count = writer(session, sys.stdout, ids)
        else:
            encoding = "utf-8-sig" if format_ == "csv" else "utf-8"
            with out.open("w", encoding=encoding, newline="") as handle:
                count = writer(session, handle, ids)
    if out is not None:
        typer.echo(f"Exported {count:,} contacts to {out}.")


def _selection(session: Session, list_name: str | None, segment: str | None) -> list[int] | None:
    from sqlalchemy import select

    from righthand.duties.lists.segments import clause, find_segment
    from righthand.duties.lists.subscriptions import resolve_list
    from righthand.store.tables import ContactRow, Subscription

    if not list_name and not segment:
        return None
    query = select(ContactRow.id).order_by(ContactRow.id)
    if list_name:
        row = resolve_list(session, list_name)
        query = query.where(ContactRow.id.in_(select(Subscription.contact_id).where(
            Subscription.list_id == row.id)))
    if segment:
        query = query.where(clause(find_segment(session, segment).filter))
    return list(session.scalars(query))


@app.command("search")
def search(query: str, limit: Annotated[int, typer.Option(help="How many.")] = 20) -> None:
    """Find contacts by part of a name, company, email or phone."""
    from righthand.duties.lists.contacts import search as find

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = find(session, query, limit)
        if not rows:
            typer.echo(f"Nobody matches {query!r}.")
        for row in rows:
            typer.echo(f"#{row.id}  {row.display_name}" + (f" ({row.company})" if row.company
                                                           else ""))


@app.command("show")
def show(who: Annotated[str, typer.Argument(help="A contact number, address or name.")]) -> None:
    """Everything about one contact, with list memberships and consent."""
    from righthand.duties.lists.contacts import find_person, views
    from righthand.duties.lists.records import format_address
    from righthand.store.tables import ContactRow

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = [session.get(ContactRow, int(who))] if who.isdigit() else find_person(session, who)
        found = [r for r in rows if r is not None]
        if not found:
            raise BadInput(f"no contact matches {who!r}",
                           hint="Try `righthand contacts search PART-OF-NAME`.")
        if len(found) > 1:
            raise BadInput(f"{who!r} could be " + ", ".join(f"#{r.id} {r.display_name}"
                                                          for r in found[:5]),
                           hint="Give the contact's number.")
        view = views(session, [found[0].id])[0]
    lines = [f"#{view['id']} {view['display_name']}"]
    for label, value in (("Company", view["company"]),
                         ("Address", format_address(view["postal_address"])),
                         ("Time zone", view["timezone"]),
                         ("Tags", ", ".join(view["tags"]))):
        if value:
            lines.append(f"  {label}: {value}")
    for address, kind in view["emails"]:
        lines.append(f"  Email: {address}" + (f" ({kind})" if kind else ""))
    for phone in view["phones"]:
        extra = f" = {phone['e164']}" if phone["e164"] and phone["e164"] != phone["raw"] else ""
        lines.append(f"  Phone: {phone['raw']}{extra}" + (f" ({phone['label']})"
                                                          if phone["label"] else ""))
    for key, value in sorted((view["attributes"] or {}).items()):
        lines.append(f"  {key}: {value}")
    for member in view["lists"]:
        consent = f", consent {member['consent_at']:%Y-%m-%d}" if member["consent_at"] else ""
        lines.append(f"  List {member['list']}: {member['state']} since "
                     f"{member['changed_at']:%Y-%m-%d} ({member['source']}{consent})")
    if view["notes"]:
        lines.append("  Notes: " + view["notes"].replace("\n", "\n         "))
    typer.echo("\n".join(lines))


@app.command("add")
def add(
    name: str,
    email: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
    company: Annotated[str | None, typer.Option()] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone, e.g. Europe/London.")]
    = None,
) -> None:
    """Add one contact."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.normalise import (
        InvalidValue,
        check_timezone,
        normalise_email,
        parse_phone,
    )
    from righthand.duties.lists.records import ContactData, Phone

    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        try:
            record = ContactData(display_name=name.strip(), company=company, notes=notes,
                                 tags=list(tag or []),
                                 emails=[(normalise_email(e), None) for e in email or []],
                                 timezone=check_timezone(timezone) if timezone else None)
            record.phones = [Phone(*parse_phone(p, _region(ws, None))) for p in phone or []]
            record.finish()
        except InvalidValue as exc:
            raise BadInput(str(exc)) from None
        return [Action(duty="lists.maintain", kind="contacts.create",
                       payload={"contact": record.to_payload()},
                       summary=f"Add the contact {record.display_name}", undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@app.command("update")
def update_contact(
    contact: int,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="field=value: given_name, family_name, display_name, company, notes, "
                      "timezone, street, city, region, postal_code, country. Repeatable.")]
    = None,
    attr: Annotated[list[str] | None, typer.Option(help="key=value (empty value removes).")]
    = None,
    add_email: Annotated[list[str] | None, typer.Option()] = None,
    add_phone: Annotated[list[str] | None, typer.Option()] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Add a tag.")] = None,
    untag: Annotated[list[str] | None, typer.Option(help="Remove a tag.")] = None,
) -> None:
    """Change a contact (undoable)."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.contacts import snapshot
    from righthand.duties.lists.normalise import (
        InvalidValue,
        check_timezone,
        normalise_email,
        parse_phone,
    )
    from righthand.store.tables import ContactRow

    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        row = session.get(ContactRow, contact)
        if row is None:
            raise BadInput(f"there is no contact #{contact}",
                           hint="Find it with `righthand contacts search NAME`.")
        current = snapshot(row)
        changes: dict[str, Any] = {}
        postal = dict(current.get("postal_address") or {})
        try:
            for item in set_ or []:
                key, sep, value = item.partition("=")
                key = {"city": "locality", "state": "region", "zip": "postal_code",
                       "name": "display_name"}.get(key.strip(), key.strip())
                if not sep:
                    raise BadInput(f"--set takes field=value, not {item!r}")
                if key in {"street", "locality", "region", "postal_code", "country"}:
                    postal[key] = value.strip()
                    changes["postal_address"] = postal
                elif key == "timezone":
                    changes[key] = check_timezone(value) if value.strip() else None
                elif key in {"company", "notes"}:
                    changes[key] = value.strip() or None
                elif key in {"given_name", "family_name", "display_name"}:
                    changes[key] = value.strip()
                else:
                    raise BadInput(f"{key!r} is not a contact field",
                                   hint="Use --attr key=value for anything else.")
            emails = [{"address": normalise_email(e), "label": None} for e in add_email or []]
            phones = [dict(zip(("raw", "e164"), parse_phone(p, _region(ws, None)),
                               strict=True)) for p in add_phone or []]
        except InvalidValue as exc:
            raise BadInput(str(exc)) from None
        attributes = {}
        for item in attr or []:
            key, _, value = item.partition("=")
            attributes[key.strip()] = value.strip() or None
        payload = {"contact_id": contact, "set": changes, "attributes": attributes,
                   "add_emails": emails, "add_phones": phones, "add_tags": list(tag or []),
                   "remove_tags": list(untag or [])}
        if not any(payload[k] for k in payload if k != "contact_id"):
            raise BadInput("nothing to change", hint="See `righthand contacts update --help`.")
        return [Action(duty="lists.maintain", kind="contacts.update", payload=payload,
                       summary=f"Update {row.display_name} (#{row.id})", undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@app.command("duplicates")
def duplicates(limit: Annotated[int, typer.Option(help="How many pairs.")] = 50) -> None:
    """Likely duplicates (same email or phone, or similar names), most certain first."""
    from righthand.duties.lists.duplicates import find_duplicates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        pairs = find_duplicates(session, limit=limit)
    if not pairs:
        typer.echo("No likely duplicates.")
        return
    for pair in pairs:
        typer.echo(f"{pair.score:>3.0f}%  #{pair.first} {pair.first_name}  ~  #{pair.second} "
                   f"{pair.second_name}  ({'; '.join(pair.reasons)})\n"
                   f"      merge: righthand contacts merge {pair.first} {pair.second}")


@app.command("merge")
def merge(keep: Annotated[int, typer.Argument(help="The contact to keep.")],
          others: Annotated[list[int], typer.Argument(help="Contacts to fold into it.")]
          ) -> None:
    """Merge contacts into KEEP, keeping every email, phone, tag, membership and history."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.merge import check_merge

    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        rows = check_merge(session, keep, others)
        names = ", ".join(f"{r.display_name} (#{r.id})" for r in rows[1:])
        return [Action(duty="lists.maintain", kind="contacts.merge",
                       payload={"keep": keep, "others": list(others),
                                "names": [r.display_name for r in rows]},
                       summary=f"Merge {names} into {rows[0].display_name} (#{keep})",
                       undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")
    if done.state == "done":
        typer.echo(f"Kept #{outcome(done).get('kept', keep)}.")
