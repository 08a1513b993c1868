"""The sales.track intents: where a deal stands, how the pipeline looks, and the client's
updates ("The Jones inspection is done, move them to closing", "Mark Miller as lost, they went
with another agent"), each turned into an Action for the gate."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.when import find_when
from righthand.duties.plugin import PeriodicJob, Reply, Request
from righthand.duties.sales import forecast, pipelines, records, status, timeline, updates
from righthand.duties.sales.linking import link_deal, words
from righthand.duties.sales.pipelines import Stage
from righthand.duties.sales.records import DealView
from righthand.duties.sales.status import deal_name
from righthand.duties.sales.words import day_phrase, join_and, lower_first, sentence


def stage_words(deals: list[DealView]) -> list[str]:
    """Stage names of the deals' pipelines (words that name no deal)."""
    return sorted({s.name for d in deals for s in d.pipeline.stages} |
                  {s.key for d in deals for s in d.pipeline.stages})


def resolve(session: Session, workspace_id: int, phrase: str,
            now: datetime) -> DealView | Reply:
    """The deal ``phrase`` names (open deals first), or a Reply asking which / saying none."""
    pipelines.ensure(session, workspace_id, now)
    open_deals = records.load(session)
    every = records.load(session, status=None)
    generic = stage_words(every)
    link = link_deal(phrase, open_deals, generic)
    if link.deal is None and not link.ambiguous:
        link = link_deal(phrase, every, generic)
    if link.deal is not None:
        return link.deal
    if link.ambiguous:
        names = [d.title for d in link.candidates]
        return Reply(f"Which deal do you mean — {join_and(names).replace(' and ', ' or ')}?",
                     data={"clarify": names})
    shown = ", ".join(d.title for d in open_deals[:6]) or "none yet"
    return Reply(f"I don't see a deal matching “{phrase}”. Your open deals: {shown}.",
                 data={"clarify": [d.title for d in open_deals]})


def deal_status(request: Request) -> Reply:
    """'Where are we on the Jones closing?'."""
    session, ws = request.session, request.workspace
    phrase = str(request.slots.get("deal") or "").strip()
    if not phrase:
        return Reply("Which deal? For example: “Where are we on the Jones closing?”")
    timeline.link_events(session, ws.id, request.now)
    found = resolve(session, ws.id, phrase, request.now)
    if isinstance(found, Reply):
        return found
    return Reply(status.describe(session, found, request.now, ws.timezone),
                 data={"deal_id": found.id, "stage": found.stage.key, "status": found.status})


def pipeline(request: Request) -> Reply:
    """'How's my pipeline?'."""
    session, ws = request.session, request.workspace
    pipelines.ensure(session, ws.id, request.now)
    today = request.now.astimezone(ZoneInfo(ws.timezone)).date()
    summaries = forecast.summarize(records.load(session), records.load(session, status="won"),
                                   today, ws.timezone)
    data: dict[str, Any] = {"pipelines": [
        {"pipeline": s.pipeline.key, "currency": s.currency, "open": s.open_count,
         "amount": str(s.open_amount), "weighted": str(s.weighted),
         "month": str(s.month_weighted), "quarter": str(s.quarter_weighted),
         "stalled": [x.deal.id for x in s.stalled],
         "stages": {t.stage.key: {"count": t.count, "amount": str(t.amount)}
                    for t in s.stages}} for s in summaries]}
    return Reply(forecast.describe(summaries, today), data=data)


def _mentioned_stage(deal: DealView, text: str) -> Stage | None:
    said = set(words(text))
    for stage in deal.pipeline.stages:
        if set(words(stage.name)) <= said or stage.key in said:
            return stage
    return None


def _move_reply(deal: DealView, stage: Stage) -> str:
    skipped = deal.pipeline.between(deal.stage, stage) if stage.position > \
        deal.stage.position else []
    text = f"Moving {deal_name(deal, with_amount=False)} from {deal.stage.name} to {stage.name}"
    if skipped:
        text += f" — that skips {join_and([s.name for s in skipped])}"
    return text + "."


def update(request: Request) -> Reply:
    """The client's news about a deal, as a proposed change."""
    session, ws, slots = request.session, request.workspace, request.slots
    op = str(slots.get("op") or "")
    found = resolve(session, ws.id, str(slots.get("deal") or ""), request.now)
    if isinstance(found, Reply):
        return found
    deal = found
    name = deal_name(deal, with_amount=False)
    if op in {"move", "advance"}:
        if op == "move":
            stage = pipelines.find_stage(deal.pipeline, str(slots.get("stage") or ""))
            if stage is None:
                return Reply(f"{deal.pipeline.name} has no stage “{slots.get('stage')}”. Its "
                             f"stages: {', '.join(s.name for s in deal.pipeline.stages)}.")
        else:
            done = _mentioned_stage(deal, str(slots.get("deal") or "")) or deal.stage
            later = [s for s in deal.pipeline.stages if s.position > done.position
                     and s.outcome != "lost"]
            if not later:
                return Reply(f"{sentence(name)} is already at the end of its pipeline.")
            stage = later[0]
            if stage.position <= deal.stage.position:
                return Reply(f"{sentence(name)} is already at {deal.stage.name}, past "
                             f"{done.name}.")
        if stage.id == deal.stage.id and deal.is_open:
            return Reply(f"{sentence(name)} is already at {stage.name}.")
        return Reply(_move_reply(deal, stage), actions=[updates.move(deal, stage)])
    if op == "won":
        return Reply(f"Marking {name} as won — congratulations!", actions=[updates.won(deal)])
    if op == "lost":
        reason = str(slots.get("reason") or "").strip()
        reason = sentence(re.sub(r"^(?:because|as|since)\s+", "", reason, flags=re.I)) \
            if reason else ""
        why = f" ({lower_first(reason.rstrip('.'))})" if reason else ""
        return Reply(f"Marking {name} as lost{why}.",
                     actions=[updates.lost(deal, reason or None)])
    if op == "next_step":
        step = str(slots.get("step") or "").strip()
        today = request.now.astimezone(ZoneInfo(ws.timezone)).date()
        when = find_when(step, today)
        text = sentence(when.strip_from(step)) if when else sentence(step)
        due = when.day if when else None
        said = f"Next step on {name}: {lower_first(text.rstrip('.'))}"
        said += f", due {day_phrase(due, today)}." if due else " (no date set)."
        return Reply(said, actions=[updates.next_step(deal, text.rstrip("."), due)])
    if op == "note":
        note = sentence(str(slots.get("note") or ""))
        return Reply(f"Adding a note to {name}.", actions=[updates.note(deal, note)])
    return Reply("What should change on that deal? For example: “Move the Jones closing to "
                 "closing” or “Mark Miller as lost”.")


def _link_job(context: Any) -> None:
    """Link calendar events with deal contacts into the deals' timelines."""
    app, session = context["app"], context["session"]
    timeline.link_events(session, int(context["workspace_id"]), app.clock())


LINK_JOB = PeriodicJob(name="sales.link_activity", duty="sales.track", minutes=15, run=_link_job)
