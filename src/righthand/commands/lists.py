"""``righthand lists`` (lists, members, subscriptions, segments) and ``righthand suppression``
(the addresses no mailing may reach, and the bounces and complaints that feed it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from righthand.commands import common
from righthand.commands.acting import act
from righthand.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.domain.actions import Action
    from righthand.duties.plugin import IntentHandler
    from righthand.store.tables import Workspace

app = typer.Typer(help="Mailing lists: members, consent, unsubscribes, segments.",
                  no_args_is_help=True)
segments_app = typer.Typer(help="Segments: saved filters on tags, fields and attributes.",
                           no_args_is_help=True)
suppression_app = typer.Typer(help="Addresses no mailing may reach (unsubscribed everywhere, "
                                   "hard bounces, complaints).", no_args_is_help=True)
app.add_typer(segments_app, name="segments")


def _through_handler(handler: IntentHandler, intent: str, slots: dict[str, object]) -> None:
    """Run a conversation handler from the CLI, so both paths apply the same checks."""
    from righthand.duties.plugin import Request
    from righthand.service import workspaces

    application = common.build_app()
    said: list[str] = []

    def build(session: Session, ws: Workspace) -> list[Action]:
        reply = handler(Request(text="", intent=intent, slots=dict(slots),
                                now=application.clock(), workspace=workspaces.info(ws),
                                session=session, requested_by="client"))
        said.append(reply.text)
        return list(reply.actions)

    acted = act(application, build)
    typer.echo(said[0] if said else "")
    for done in acted:
        typer.echo(done.explain())


@app.command("show")
def show(name: Annotated[str | None, typer.Argument(help="A list (default: all).")] = None
         ) -> None:
    """Lists with how many are confirmed, waiting, unsubscribed and deliverable."""
    from sqlalchemy import select

    from righthand.duties.lists.segments import recipients
    from righthand.duties.lists.subscriptions import counts, resolve_list
    from righthand.store.tables import MailingListRow, Segment

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = [resolve_list(session, name)] if name else \
            list(session.scalars(select(MailingListRow).order_by(MailingListRow.slug)))
        if not rows:
            typer.echo("No lists yet. `righthand lists create SLUG --name NAME` makes one.")
            return
        states = counts(session)
        for row in rows:
            mine = states.get(row.id, {})
            deliverable = len(recipients(session, row.id))
            typer.echo(f"{row.slug}  \"{row.name}\" ({row.opt_in} opt-in): "
                       f"{mine.get('confirmed', 0)} confirmed, {mine.get('unconfirmed', 0)} "
                       f"unconfirmed, {mine.get('unsubscribed', 0)} unsubscribed; "
                       f"{deliverable} deliverable")
            if name:
                for segment in session.scalars(select(Segment).where(
                        (Segment.list_id == row.id) | Segment.list_id.is_(None))):
                    typer.echo(f"  segment {segment.name!r}: "
                               f"{len(recipients(session, row.id, segment.id))} deliverable")


@app.command("create")
def create(slug: str,
           name: Annotated[str | None, typer.Option(help="Display name.")] = None,
           opt_in: Annotated[str, typer.Option(help="single or double.")] = "single") -> None:
    """Create a mailing list."""
    from righthand.duties.lists.subscriptions import create_list_action

    action = create_list_action(slug, name or slug.replace("-", " ").capitalize(), opt_in)
    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        return [action]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@app.command("members")
def members_(
    name: str,
    state: Annotated[str | None, typer.Option(help="confirmed, unconfirmed or unsubscribed.")]
    = None,
    segment: Annotated[str | None, typer.Option(help="Only this segment's deliverable "
                                                     "recipients.")] = None,
    deliverable: Annotated[bool, typer.Option("--deliverable", help="Only those a mailing "
                                                                    "would reach.")] = False,
) -> None:
    """Who is on a list, with the consent record of each."""
    from righthand.duties.lists.segments import find_segment, recipients
    from righthand.duties.lists.subscriptions import members, resolve_list

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        row = resolve_list(session, name)
        if segment or deliverable:
            seg = find_segment(session, segment).id if segment else None
            found = recipients(session, row.id, seg)
            for person in found:
                typer.echo(f"#{person.contact_id}  {person.display_name} <{person.address}>")
            typer.echo(f"{len(found)} deliverable.")
            return
        people = members(session, row.id, state)
    for member in people:
        consent = f", consent {member.consent_at:%Y-%m-%d}" if member.consent_at else ""
        typer.echo(f"#{member.contact_id}  {member.name}  {member.state} since "
                   f"{member.changed_at:%Y-%m-%d} ({member.source}{consent})")
    typer.echo(f"{len(people)} {'member' if len(people) == 1 else 'members'}.")


@app.command("subscribe")
def subscribe(name: str, email: str,
              contact: Annotated[str | None, typer.Option("--name", help="Their name.")] = None
              ) -> None:
    """Add someone to a list (double opt-in lists wait for their confirmation)."""
    from righthand.duties.lists.handlers import subscribe as handler

    _through_handler(handler, "lists.subscribe",
                     {"list": name, "email": email, "contact": contact or ""})


@app.command("unsubscribe")
def unsubscribe(name: str, who: Annotated[str, typer.Argument(help="Address or name.")]) -> None:
    """Take someone off a list ('all' as the list: stop every mailing to them)."""
    from righthand.duties.lists.asking import unsubscribe as handler

    slots: dict[str, object] = {"contact": who, "list": name}
    if name.lower() in {"all", "everything"}:
        slots["everywhere"] = True
    _through_handler(handler, "lists.unsubscribe", slots)


# -- segments ------------------------------------------------------------------------------------
@segments_app.command("list")
def segments_list() -> None:
    """Every saved segment and its filter."""
    from sqlalchemy import select

    from righthand.duties.lists.segments import describe
    from righthand.store.tables import MailingListRow, Segment

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = session.execute(select(Segment, MailingListRow.slug).outerjoin(
            MailingListRow, MailingListRow.id == Segment.list_id).order_by(Segment.name)).all()
        if not rows:
            typer.echo("No segments yet. `righthand lists segments add NAME --where tag=vip`.")
        for segment, slug in rows:
            typer.echo(f"{segment.name}{f' (list {slug})' if slug else ''}: "
                       f"{describe(segment.filter)}")


@segments_app.command("add")
def segments_add(
    name: str,
    where: Annotated[list[str], typer.Option(help="A condition: tag=vip, tag!=lead, "
                                                  "city=Boston, company~law, attr.source=fair,"
                                                  " notes?, !phone?. Repeatable.")],
    any_: Annotated[bool, typer.Option("--any", help="Match any condition (default: all).")]
    = False,
    list_: Annotated[str | None, typer.Option("--list", help="Tie it to one list.")] = None,
) -> None:
    """Save (or replace) a segment."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.segments import build_filter, describe
    from righthand.duties.lists.subscriptions import resolve_list

    filter_ = build_filter(where, "any" if any_ else "all")
    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        row = resolve_list(session, list_) if list_ else None
        return [Action(duty="lists.maintain", kind="segments.save",
                       payload={"name": name, "filter": filter_,
                                "list_id": row.id if row else None,
                                "list": row.slug if row else None},
                       summary=f"Save the segment {name!r}: {describe(filter_)}",
                       undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@segments_app.command("show")
def segments_show(name: str,
                  list_: Annotated[str | None, typer.Option("--list", help="Deliverable on "
                                                                           "this list.")] = None
                  ) -> None:
    """Who a segment selects (and, with --list, whom a mailing would reach)."""
    from righthand.duties.lists.segments import describe, find_segment, matching, recipients
    from righthand.duties.lists.subscriptions import resolve_list

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        segment = find_segment(session, name)
        typer.echo(f"{segment.name}: {describe(segment.filter)}")
        people = matching(session, segment.filter)
        typer.echo(f"{len(people)} contacts match: " + ", ".join(n for _, n in people[:20])
                   + (" ..." if len(people) > 20 else ""))
        if list_:
            row = resolve_list(session, list_)
            typer.echo(f"{len(recipients(session, row.id, segment.id))} deliverable on "
                       f"{row.name}.")


@segments_app.command("remove")
def segments_remove(name: str) -> None:
    """Delete a segment (undoable)."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.segments import find_segment

    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        segment = find_segment(session, name)
        return [Action(duty="lists.maintain", kind="segments.delete",
                       payload={"segment_id": segment.id, "name": segment.name},
                       summary=f"Delete the segment {segment.name!r}", undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


# -- suppression ---------------------------------------------------------------------------------
@suppression_app.command("list")
def suppression_list(reason: Annotated[str | None, typer.Option(
        help="unsubscribed, hard_bounce, complaint or manual.")] = None) -> None:
    """Every suppressed address, with why and since when."""
    from sqlalchemy import select

    from righthand.store.tables import Suppression

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        query = select(Suppression).order_by(Suppression.created_at.desc())
        if reason:
            query = query.where(Suppression.reason == reason)
        rows = list(session.scalars(query))
    if not rows:
        typer.echo("Nobody is suppressed.")
    for row in rows:
        typer.echo(f"{row.address}  {row.reason}  {row.created_at:%Y-%m-%d}  {row.source}")


@suppression_app.command("add")
def suppression_add(address: str,
                    reason: Annotated[str, typer.Option(help="manual, unsubscribed, "
                                                             "hard_bounce or complaint.")]
                    = "manual",
                    note: Annotated[str | None, typer.Option(help="Why.")] = None) -> None:
    """Stop every mailing to an address."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.normalise import InvalidValue, normalise_email
    from righthand.duties.lists.suppression import REASONS

    if reason not in REASONS:
        raise BadInput(f"{reason!r} is not a reason", hint="Use one of: " + ", ".join(REASONS))
    try:
        clean = normalise_email(address)
    except InvalidValue as exc:
        raise BadInput(str(exc)) from None
    application = common.build_app()

    def build(session: Session, ws: Workspace) -> list[Action]:
        return [Action(duty="lists.maintain", kind="suppression.add",
                       payload={"address": clean, "reason": reason,
                                "source": note or "added by the client"},
                       summary=f"Stop every mailing to {clean} ({reason})", undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@suppression_app.command("remove")
def suppression_remove(address: str,
                       yes: Annotated[bool, typer.Option("--yes", help="Don't ask.")] = False
                       ) -> None:
    """Let mailings reach an address again -- only if the person asked for it."""
    from righthand.domain.actions import Action
    from righthand.duties.lists.suppression import find

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        row = find(session, address)
        if row is None:
            raise BadInput(f"{address} is not on the suppression list",
                           hint="See `righthand suppression list`.")
        reason = row.reason
    if reason in {"unsubscribed", "complaint"} and not yes and not typer.confirm(
            f"{address} is suppressed because of a {reason.replace('_', ' ')}. Did they ask "
            "to receive mail again?"):
        typer.echo("Nothing changed.")
        return

    def build(session: Session, ws: Workspace) -> list[Action]:
        return [Action(duty="lists.maintain", kind="suppression.remove",
                       payload={"address": address.strip().lower(), "reason": reason},
                       summary=f"Let mailings reach {address} again (was {reason})",
                       undoable=True)]

    [done] = act(application, build)
    typer.echo(f"{done.summary}. {done.explain()}")


@suppression_app.command("feedback")
def suppression_feedback(files: Annotated[list[Path], typer.Argument(
        help="Bounce (DSN) or complaint (ARF) messages saved as .eml files.")]) -> None:
    """Read bounces and complaints: hard bounces and complaints are suppressed."""
    from righthand.duties.lists.feedback import process_feedback
    from righthand.service import audit

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise BadInput(f"cannot read {path}: {exc.strerror}") from None
            result = process_feedback(session, raw, application.clock())
            audit.append(session, ws.id, "mailbox", "feedback.processed", path.name,
                         {"kind": result.kind, "hard": result.hard_bounces,
                          "soft": result.soft_bounces, "complaints": result.complaints,
                          "suppressed": result.suppressed}, at=application.clock())
            typer.echo(f"{path.name}: {result.kind}; hard bounces {len(result.hard_bounces)}, "
                       f"soft {result.soft_count}, complaints {len(result.complaints)}; newly "
                       f"suppressed: {', '.join(result.suppressed) or 'none'}")
