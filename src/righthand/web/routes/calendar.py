"""Calendar: day and week views read from the occurrence index, in the client's time zone, and
scheduling with proposed slots from the availability engine. Booking (or emailing people a
choice of times) goes through ``appointments.schedule``'s own handlers, so each booking is an
Action through the gate, attributed to the signed-in user, exactly as when asked in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse

from righthand.duties.appointments import rules as stored_rules
from righthand.duties.appointments import scheduling
from righthand.duties.appointments.availability import free_slots
from righthand.duties.calendar import index
from righthand.duties.calendar.render import Occurrence
from righthand.duties.plugin import Reply
from righthand.duties.plugin import Request as DutyRequest
from righthand.errors import BadInput
from righthand.service import workspaces
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router

router = page_router()
NAV = [NavItem("calendar", "Calendar", "calendar", order=30)]
VIEWS = ("day", "week")
MAX_SLOTS = 8


@dataclass(frozen=True)
class Day:
    """One local day of the view with what is on."""

    day: date
    all_day: list[Occurrence]
    timed: list[Occurrence]
    is_today: bool


@dataclass(frozen=True)
class Slot:
    """A bookable time the availability engine proposes."""

    start: datetime
    end: datetime

    @property
    def value(self) -> str:
        """The form value naming this slot."""
        return self.start.isoformat()


@dataclass(frozen=True)
class Finder:
    """What the client asked the scheduler for, and what it found."""

    what: str = "meeting"
    who: str = ""
    minutes: int = 30
    first: date | None = None
    slots: tuple[Slot, ...] = ()
    searched: bool = False


def _day(text: str | None, today: date) -> date:
    if not text:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{text!r} is not a day", hint="Use YYYY-MM-DD, e.g. 2026-12-03.") \
            from None


def _bounds(first: date, days: int, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (datetime.combine(first, time(0), tz),
            datetime.combine(first + timedelta(days=days), time(0), tz))


def _days(items: list[Occurrence], first: date, count: int, zone: str,
          today: date) -> list[Day]:
    tz = ZoneInfo(zone)
    out = []
    for n in range(count):
        day = first + timedelta(days=n)
        start, end = _bounds(day, 1, zone)
        here = [o for o in items if o.status != "CANCELLED" and o.start < end
                and (o.end > start or o.start >= start)]
        if any(o.all_day for o in here):  # an all-day event is a date range, not instants
            here = [o for o in here if not o.all_day or
                    o.start.astimezone(tz).date() <= day < max(o.end.astimezone(tz).date(),
                                                             day + timedelta(days=1))]
        out.append(Day(day, [o for o in here if o.all_day],
                       [o for o in here if not o.all_day], day == today))
    return out


def _page(request: Request, ctx: Context, view: str, day: str | None,
          finder: Finder | None = None, notices: list[acting.Outcome] | None = None,
          message: str | None = None) -> HTMLResponse:
    if view not in VIEWS:
        raise BadInput(f"{view!r} is not a calendar view", hint="Use day or week.")
    app = get_app(request)
    zone = ctx.timezone
    today = app.clock().astimezone(ZoneInfo(zone)).date()
    chosen = _day(day, today)
    first = chosen if view == "day" else chosen - timedelta(days=chosen.weekday())
    count = 1 if view == "day" else 7
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "calendar")
        items = [] if refusal else index.between(session, *_bounds(first, count, zone), zone)
    step = timedelta(days=count)
    return render(request, "calendar.html", ctx=ctx, active="calendar", title="Calendar",
                  view=view, first=first, last=first + timedelta(days=count - 1),
                  days=_days(items, first, count, zone, today), refusal=refusal,
                  previous=(first - step).isoformat(), following=(first + step).isoformat(),
                  today=today, chosen=chosen, finder=finder or Finder(first=chosen),
                  notices=notices or [], message=message, can_book=ctx.allows("ask"))


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, ctx: PageContext,
                  view: Annotated[str, Query(max_length=8)] = "week",
                  day: Annotated[str | None, Query(max_length=10)] = None) -> HTMLResponse:
    """The day or week view (default: this week)."""
    return _page(request, ctx, view, day)


@router.get("/calendar/slots", response_class=HTMLResponse)
def find_slots(request: Request, ctx: PageContext,
               what: Annotated[str, Query(min_length=1, max_length=100)] = "meeting",
               who: Annotated[str, Query(max_length=200)] = "",
               minutes: Annotated[int, Query(ge=5, le=600)] = 30,
               day: Annotated[str | None, Query(max_length=10)] = None,
               view: Annotated[str, Query(max_length=8)] = "week") -> HTMLResponse:
    """Free times for an appointment from ``day`` on: the availability engine's proposals
    (working hours, buffers, minimum notice, the daily limit, every busy calendar)."""
    app = get_app(request)
    zone = ctx.timezone
    now = app.clock()
    first = _day(day, now.astimezone(ZoneInfo(zone)).date())
    start, end = _bounds(first, 14, zone)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "calendar")
        found: list[tuple[datetime, datetime]] = []
        if refusal is None:
            rules = stored_rules.load(session)
            busy = stored_rules.busy(session, start - timedelta(days=1),
                                     end + timedelta(days=1), zone)
            found = free_slots(rules, busy, now, timedelta(minutes=minutes), start, end, zone,
                               count=MAX_SLOTS, spread=False,
                               booked_per_day=stored_rules.booked_per_day(session, zone))
    finder = Finder(what.strip(), who.strip(), minutes, first,
                    tuple(Slot(s, e) for s, e in found), True)
    return _page(request, ctx, view, first.isoformat(), finder)


def _handle(request: Request, ctx: Context, handler: str, slots: dict[str, object]) \
        -> tuple[Reply, list[acting.Outcome]]:
    """Ask one of the scheduling duty's handlers, then propose the actions it made."""
    app = get_app(request)
    ctx.require("ask")
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "calendar")
        if refusal:
            raise BadInput(refusal, hint="The client switches the calendar duties on in the "
                                         "job description.")
        ws = operations.workspace_row(session, ctx)
        ask = DutyRequest(text="", intent=f"appointments.{handler}", slots=dict(slots),
                          now=app.clock(), workspace=workspaces.info(ws), session=session,
                          requested_by=ctx.actor)
        reply = scheduling.schedule(ask) if handler == "schedule" else scheduling.propose(ask)
    return reply, acting.propose(app, ctx, reply.actions) if reply.actions else []


@router.post("/calendar/book", response_class=HTMLResponse)
def book(request: Request, ctx: PageContext,
         start: Annotated[str, Form(min_length=10, max_length=40)],
         what: Annotated[str, Form(min_length=1, max_length=100)] = "meeting",
         who: Annotated[str, Form(max_length=200)] = "",
         minutes: Annotated[int, Form(ge=5, le=600)] = 30,
         view: Annotated[str, Form(max_length=8)] = "week") -> HTMLResponse:
    """Book a proposed slot: an ``appointments.hold`` (or ``.book`` with invitations when
    people are named) Action through the gate."""
    try:
        begins = datetime.fromisoformat(start).astimezone(ZoneInfo(ctx.timezone))
    except ValueError:
        raise BadInput(f"{start!r} is not a time", hint="Choose one of the proposed times.") \
            from None
    reply, done = _handle(request, ctx, "schedule", {
        "what": what.strip(), "who": who.strip(), "date": begins.date().isoformat(),
        "time": f"{begins:%H:%M}", "minutes": minutes})
    return _page(request, ctx, view, begins.date().isoformat(), notices=done,
                 message=None if done else reply.text)


@router.post("/calendar/offer", response_class=HTMLResponse)
def offer(request: Request, ctx: PageContext,
          who: Annotated[str, Form(min_length=1, max_length=200)],
          what: Annotated[str, Form(min_length=1, max_length=100)] = "meeting",
          minutes: Annotated[int, Form(ge=5, le=600)] = 30,
          day: Annotated[str, Form(max_length=10)] = "",
          view: Annotated[str, Form(max_length=8)] = "week") -> HTMLResponse:
    """Email the people named a choice of three times (``appointments.propose_slots``)."""
    app = get_app(request)
    first = _day(day or None, app.clock().astimezone(ZoneInfo(ctx.timezone)).date())
    reply, done = _handle(request, ctx, "propose", {
        "what": what.strip(), "who": who.strip(), "date": first.isoformat(), "days": 7,
        "minutes": minutes})
    return _page(request, ctx, view, first.isoformat(), notices=done,
                 message=None if done else reply.text)
