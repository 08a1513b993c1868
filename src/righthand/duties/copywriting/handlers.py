"""copy.write: "Write Google ad headlines for our spring cleaning special: 20% off all
cleaning; offer ends March 31." -> several complete variants within the channel's limits,
proposed as one ``copy.draft`` action (the gate decides: in Phase II it waits for approval)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.domain.copy import Brief, Preset, Voice, brief_problems, learn, preset
from righthand.duties.copywriting import briefs
from righthand.duties.copywriting.assisted import Drafted, draft
from righthand.duties.copywriting.generate import CannotWrite, Writer, render, to_csv
from righthand.duties.plugin import Reply, Request
from righthand.store.tables import CopyEdit, Workspace

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
_NOUNS = {"google-rsa": ("responsive search ad", "responsive search ads"),
          "microsoft-rsa": ("responsive search ad", "responsive search ads"),
          "meta": ("Facebook/Instagram ad", "Facebook/Instagram ads"),
          "listing": ("listing blurb", "listing blurbs"),
          "email-subject": ("subject line", "subject lines"),
          "flyer": ("flyer", "flyers")}


def voice(session: Session, limit: int = 200) -> Voice:
    """The brand voice learned from the client's latest edits of drafted copy."""
    rows = session.scalars(select(CopyEdit).order_by(CopyEdit.id.desc()).limit(limit)).all()
    return learn((r.before, r.after) for r in reversed(rows))


def _with_business(session: Session, workspace_id: int, brief: Brief) -> Brief:
    if brief.business:
        return brief
    ws = session.get(Workspace, workspace_id)
    name = str(((ws.profile or {}) if ws is not None else {}).get("business_name") or "")
    return Brief(**{**brief.__dict__, "business": name}) if name else brief


def _intro(p: Preset, brief: Brief, drafted: Drafted) -> str:
    n = len(drafted.variants)
    one, many = _NOUNS.get(p.id, ("draft", "drafts"))
    noun = one if n == 1 else many
    limits = ", ".join(f"{s.label.lower()} at most {s.max_chars} characters" for s in p.slots)
    offer = f"your {brief.offer}" if brief.offer[:1].islower() else brief.offer
    head = f"Here {'is' if n == 1 else 'are'} {_WORDS.get(n, str(n))} {noun} for " \
           f"{offer} (each {limits}; only the facts you gave me)"
    return head + ":"


def compose(session: Session, workspace_id: int, brief: Brief, channel: str, count: int,
            model: Any = None) -> tuple[Preset, Drafted] | str:
    """Variants for a brief, or what is wrong with the brief in words."""
    try:
        p = preset(channel)
    except ValueError as exc:
        return f"{str(exc)[0].upper()}{str(exc)[1:]}."
    brief = _with_business(session, workspace_id, brief)
    if not brief.offer:
        return ("What is the ad for? For example: \"Write Google ad headlines for our spring "
                "cleaning special: 20% off all cleaning; offer ends March 31\".")
    wrong = brief_problems(p, brief)
    if wrong:
        return f"I can't write that as given: {wrong[0]}. Shorten it and ask again."
    learned = voice(session)
    try:
        offline = Writer(brief, p, learned).write(count)
    except CannotWrite as exc:
        return f"I can't write that as given: {exc}. Shorten the facts and ask again."
    drafted = draft(model, brief, p, count, learned, offline) if model is not None else \
        Drafted(offline, "offline")
    return p, drafted


def proposal(p: Preset, brief: Brief, drafted: Drafted) -> tuple[str, Action]:
    """The answer's text and the ``copy.draft`` action for drafted copy."""
    text = render(p, drafted.variants)
    plain = render(p, drafted.variants, counts=False)  # what the client may edit
    payload: dict[str, Any] = {"channel": p.id, "brief": brief.as_json(),
                               "variants": drafted.variants, "text": plain, "drafted": plain,
                               "source": drafted.source, "csv": to_csv(p, drafted.variants)}
    n = len(drafted.variants)
    action = Action(duty="copy.write", kind="copy.draft", payload=payload, undoable=True,
                    summary=f"{p.title}: {n} variant{'s' if n != 1 else ''} for {brief.offer}")
    return text, action


def write(request: Request) -> Reply:
    """'Write three Google ad headlines for our spring sale: 20% off everything'."""
    brief, channel, count = briefs.parse(request.text, request.slots)
    made = compose(request.session, request.workspace.id, brief, channel, count, request.model)
    if isinstance(made, str):
        return Reply(made)
    p, drafted = made
    brief = _with_business(request.session, request.workspace.id, brief)
    text, action = proposal(p, brief, drafted)
    notes = "".join(f"\n\n(Note: {n}.)" for n in drafted.notes)
    return Reply(f"{_intro(p, brief, drafted)}\n\n{text}{notes}", actions=[action],
                 data={"channel": p.id, "variants": drafted.variants, "source": drafted.source,
                       "csv": action.data["csv"], "notes": drafted.notes})
