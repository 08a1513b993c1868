"""The built-in sections of the daily briefing: today's agenda with preparation notes,
approvals waiting, important screened mail, deals needing attention, follow-ups due, and
supplies running low. Each says only what matters today, in a few lines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from righthand.duties.briefing import charts
from righthand.duties.briefing.sections import Context, Section, SectionSource, register
from righthand.duties.sales import health, records, timeline
from righthand.duties.sales.status import describe_touch
from righthand.duties.sales.words import (
    clock,
    day_phrase,
    lower_first,
    plural,
    relative_days,
)
from righthand.store.tables import (
    ActionRow,
    Approval,
    ContactEmail,
    ContactRow,
    DealActivityRow,
    DealContactRow,
    DealRow,
    EventRow,
    ItemRow,
    MailMessage,
    PurchaseOrder,
    PurchaseOrderLine,
    ReminderRow,
)

MAX_LINES = 5


def _more(lines: list[str], total: int, hint: str) -> list[str]:
    if total > len(lines):
        lines.append(f"…and {total - len(lines)} more ({hint}).")
    return lines


# -- agenda ------------------------------------------------------------------------------------
def _prep(ctx: Context, event_id: int, starts_at: datetime) -> str | None:
    row = ctx.session.get(EventRow, event_id)
    if row is None:
        return None
    addresses = {str(a.get("email", "")).lower() for a in (row.attendees or {}).get("list", [])}
    addresses.discard("")
    if not addresses:
        return None
    people = ctx.session.execute(
        select(ContactRow).join(ContactEmail, ContactEmail.contact_id == ContactRow.id)
        .where(func.lower(ContactEmail.address).in_(addresses))
        .order_by(ContactRow.display_name)).scalars().unique().all()
    if not people:
        return None
    deals_ok = ctx.may_read("sales.track", frozenset({"deals"}))
    notes = []
    for person in people[:2]:
        extra = _deal_note(ctx, person.id, row.uid, starts_at) if deals_ok else ""
        if extra or person.company:
            notes.append(person.display_name + (f" ({person.company})" if person.company
                                                else "") + extra)
    return ("Prep: " + "; ".join(notes) + ".") if notes else None


def _deal_note(ctx: Context, contact_id: int, event_uid: str, before: datetime) -> str:
    links = ctx.session.execute(select(DealContactRow.deal_id, DealContactRow.role)
                                .join(DealRow, DealRow.id == DealContactRow.deal_id)
                                .where(DealContactRow.contact_id == contact_id,
                                       DealRow.status == "open")).all()
    text = ""
    if not links:  # a past client: say what they did with us
        links = ctx.session.execute(select(DealContactRow.deal_id, DealContactRow.role)
                                    .join(DealRow, DealRow.id == DealContactRow.deal_id)
                                    .where(DealContactRow.contact_id == contact_id,
                                           DealRow.status == "won")
                                    .order_by(DealRow.closed_at.desc())).all()
    if links:
        deal = records.get(ctx.session, links[0][0])
        role = links[0][1]
        name = "the " + deal.title.split(":")[0].strip()
        text += f" — {role + ' on ' if role else ''}{name}"
        if deal.status == "won" and deal.closed_at is not None:
            closed = deal.closed_at.astimezone(ZoneInfo(ctx.zone)).date()
            text += f", won {relative_days(closed, ctx.today)}"
        else:
            days = deal.days_in_stage(ctx.today)
            text += f", at {deal.stage.name}" + (f" ({plural(days, 'day')})"
                                                  if days is not None else "")
            if deal.next_step and deal.next_step_due is not None:
                text += f"; next step due {day_phrase(deal.next_step_due, ctx.today)}"
    last = ctx.session.execute(
        select(DealActivityRow, ContactRow.display_name)
        .join(ContactRow, ContactRow.id == DealActivityRow.contact_id)
        .where(DealActivityRow.contact_id == contact_id, DealActivityRow.at < before,
               DealActivityRow.unlinked_at.is_(None),
               DealActivityRow.kind.in_(timeline.TOUCHES),
               DealActivityRow.source_ref.is_distinct_from(event_uid))
        .order_by(DealActivityRow.at.desc()).limit(1)).first()
    if last is not None:
        row, name = last
        activity = timeline.Activity(id=row.id, deal_id=row.deal_id, kind=row.kind, at=row.at,
                                     summary=row.summary, source=row.source, contact=name)
        on = row.at.astimezone(ZoneInfo(ctx.zone)).date()
        text += (f"; last contact {day_phrase(on, ctx.today)}, "
                 f"{describe_touch(activity, with_who=False)}")
    return text


def agenda(ctx: Context) -> Section | None:
    """Today's events, each with who it is with and what to know before it."""
    from righthand.duties.calendar.agenda import day_bounds, events_between

    start, end = day_bounds(ctx.today, ctx.zone)
    events = events_between(ctx.session, start, end, ctx.zone)
    lines = []
    for event in events:
        when = "All day" if event.all_day else clock(event.starts_at, ctx.zone)
        where = f" ({event.location})" if event.location and \
            event.location.lower() not in event.summary.lower() else ""
        line = f"{when}: {event.summary}{where}"
        prep = _prep(ctx, event.id, event.starts_at)
        if prep:
            line += f"\n{prep}"
        lines.append(line)
    if not lines:
        return Section("agenda", "Today", ["Nothing on your calendar today."])
    return Section("agenda", f"Today ({plural(len(lines), 'thing')})", lines)


# -- approvals ---------------------------------------------------------------------------------
def approvals(ctx: Context) -> Section | None:
    """Actions waiting for the client's yes (without retiring expired ones: this only reads)."""
    rows = ctx.session.execute(select(Approval.id, ActionRow.summary)
                               .join(ActionRow, ActionRow.id == Approval.action_id)
                               .where(Approval.status == "pending",
                                      Approval.expires_at > ctx.now)
                               .order_by(Approval.id)).all()
    if not rows:
        return None
    lines = [f"#{number} {summary}" for number, summary in rows[:3]]
    return Section("approvals", f"Waiting for your yes ({len(rows)})",
                   _more(lines, len(rows), "`righthand approvals`"))


# -- mail --------------------------------------------------------------------------------------
def mail(ctx: Context) -> Section | None:
    """Important mail screened since yesterday morning."""
    since = ctx.now - timedelta(hours=30)
    rows = ctx.session.scalars(select(MailMessage).where(
        MailMessage.state == "screened", MailMessage.priority == "high",
        MailMessage.fetched_at >= since).order_by(MailMessage.fetched_at.desc())).all()
    if not rows:
        return None
    lines = [f"{m.from_name or m.from_address}: {m.subject or '(no subject)'}"
             for m in rows[:MAX_LINES]]
    return Section("mail", f"Important mail ({len(rows)})",
                   _more(lines, len(rows), "`righthand ask \"email digest\"`"))


# -- deals -------------------------------------------------------------------------------------
def deals(ctx: Context) -> Section | None:
    """Open deals with something wrong, or a next step due today; and the funnel picture."""
    found = []
    open_deals = records.load(ctx.session)
    for deal in open_deals:
        awaited = health.awaiting(ctx.session, deal, ctx.zone)
        touch = timeline.last_touch(ctx.session, deal.id, ctx.now)
        touched = touch.at.astimezone(ZoneInfo(ctx.zone)).date() if touch else None
        # A late reply is the follow-ups section's business; here, the deal's own state.
        risks = [r for r in health.assess(deal, ctx.today, awaited, touched)
                 if r.kind != "reply_overdue"]
        texts = [r.text for r in risks]
        if deal.next_step and deal.next_step_due == ctx.today:
            texts.append(f"next step due today: {lower_first(deal.next_step)}")
        if texts:
            worst = max((r.severity for r in risks), default=1)
            name = deal.title.split(":")[0].strip()
            found.append((worst, deal.title, f"{name} — {'; '.join(texts)}."))
    found.sort(key=lambda f: (-f[0], f[1]))
    lines = [text for _, _, text in found[:MAX_LINES]]
    svg = charts.pipeline_funnel(open_deals) if open_deals else None
    if not lines:
        return None
    return Section("deals", "Deals needing attention",
                   _more(lines, len(found), "`righthand deals list`"), svg=svg)


# -- follow-ups --------------------------------------------------------------------------------
def follow_ups(ctx: Context) -> Section | None:
    """Reminders and follow-ups due today or overdue, and replies that are late."""
    end_of_day = datetime.combine(ctx.today + timedelta(days=1), datetime.min.time(),
                                  ZoneInfo(ctx.zone))
    rows = ctx.session.execute(
        select(ReminderRow, ContactRow.display_name)
        .outerjoin(ContactRow, ContactRow.id == ReminderRow.contact_id)
        .where(ReminderRow.status == "open", ReminderRow.due_at < end_of_day)
        .order_by(ReminderRow.due_at)).all()
    nudged = {r.parent_id for r, _ in rows if r.kind == "nudge" and r.parent_id}
    lines = []
    for row, name in rows:
        due = row.due_at.astimezone(ZoneInfo(ctx.zone))
        if row.kind == "awaiting_reply":
            if row.id in nudged or row.due_at > ctx.now:
                continue
            lines.append(f"Waiting on {name or 'a reply'}: “{row.text}” — the reply was "
                         f"expected {day_phrase(due.date(), ctx.today)}.")
            continue
        text = row.text[:1].upper() + row.text[1:]
        if due.date() < ctx.today:
            text += f" (overdue: it was due {day_phrase(due.date(), ctx.today)})"
        elif row.has_time:
            text += f" (at {clock(row.due_at, ctx.zone)})"
        lines.append(text)
    if not lines:
        return None
    return Section("follow_ups", "Follow-ups", _more(lines[:MAX_LINES], len(lines),
                                                     "`righthand remind --list`"))


# -- supplies ----------------------------------------------------------------------------------
def _units(count: int, unit: str) -> str:
    if count == 1:
        return f"1 {unit}"
    plural_unit = unit + ("es" if unit.endswith(("x", "s", "ch", "sh")) else "s")
    return f"{count} {plural_unit}"


def supplies(ctx: Context) -> Section | None:
    """Items at or below their reorder point, and whether an order is on its way."""
    low = ctx.session.scalars(select(ItemRow).where(ItemRow.on_hand <= ItemRow.reorder_point)
                              .order_by(ItemRow.name)).all()
    if not low:
        return None
    coming = {item_id: number for item_id, number in ctx.session.execute(
        select(PurchaseOrderLine.item_id, PurchaseOrder.number)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.po_id)
        .where(PurchaseOrder.status.in_(("approved", "sent", "partly_received")),
               PurchaseOrderLine.item_id.in_([i.id for i in low])))}
    lines = []
    for item in low:
        text = f"{item.name}: {_units(item.on_hand, item.unit)} left (reorder at " \
               f"{item.reorder_point})"
        if item.id in coming:
            text += f" — on order ({coming[item.id]})"
        lines.append(text)
    return Section("supplies", "Running low", _more(lines[:MAX_LINES], len(lines),
                                                    "`righthand supplies`"))


def register_builtin() -> None:
    """Put the built-in sections in the registry (idempotent)."""
    register(SectionSource("agenda", "Today", "calendar.manage",
                           frozenset({"calendar", "contacts"}), 10, agenda))
    register(SectionSource("approvals", "Waiting for your yes", "briefing.manage",
                           frozenset({"approvals"}), 20, approvals))
    register(SectionSource("mail", "Important mail", "screening.email", frozenset({"mailbox"}),
                           30, mail))
    register(SectionSource("deals", "Deals needing attention", "sales.track",
                           frozenset({"deals", "contacts", "mailbox"}), 40, deals))
    register(SectionSource("follow_ups", "Follow-ups", "briefing.manage",
                           frozenset({"reminders"}), 50, follow_ups))
    register(SectionSource("supplies", "Running low", "supplies.order",
                           frozenset({"supplies"}), 60, supplies))


register_builtin()
