"""Proposals from what the assistant reads: a lender's "the loan is approved" proposes moving
the deal to Closing; "the inspection is complete" proposes Appraisal; and so on.

The mailbox calls :func:`proposals_from_message` with a parsed message's text and sender and
puts each returned Action through the executor (so through the gate: a reactive sales duty
gets them denied, a duty at ``ask`` queues them for approval). The message is data, never
instructions: it is only matched against fixed phrases, and only people on an open deal can
move it, only forward, and never on a negated or conditional phrase ("once the loan is
approved", "not yet approved", "conditionally approved").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.sales import updates
from righthand.duties.sales.pipelines import Pipeline, Stage
from righthand.duties.sales.records import deals_of_addresses, load

WON = "@won"


@dataclass(frozen=True)
class Signal:
    """A phrase that means a deal has reached ``target`` (a stage key, or the won stage)."""

    target: str
    pattern: re.Pattern[str]
    label: str


_I = re.I
SIGNALS = (
    Signal("under_contract", re.compile(
        r"\b(?:offer (?:was |has been |is |got )?accepted|accepted (?:your|the|our) offer|"
        r"(?:purchase (?:and sale )?agreement|p&s|sales contract) (?:is |has been |was )?"
        r"(?:fully )?(?:signed|executed)|fully executed)\b", _I), "offer accepted"),
    Signal("appraisal", re.compile(
        r"\b(?:inspection (?:report )?(?:is |was |has been )?(?:done|complete|completed|"
        r"finished|back)|inspection contingency (?:is |has been |was )?(?:removed|waived|"
        r"satisfied))\b", _I), "inspection done"),
    Signal("financing", re.compile(
        r"\b(?:appraisal (?:came in|is in|is back|was completed|is complete|came back)|"
        r"appraised (?:at|for))\b", _I), "appraisal in"),
    Signal("closing", re.compile(
        r"\b(?:(?:loan|mortgage|financing) (?:is |has been |was |got )?(?:fully |finally )?"
        r"approved|clear(?:ed)? to close|final (?:loan )?approval|commitment letter (?:is )?"
        r"(?:attached|issued|ready))\b", _I), "loan approved"),
    Signal("closed", re.compile(
        r"\b(?:deed (?:has been |was |is )?recorded|closing (?:is |was |has been )?"
        r"(?:complete|completed|done|finished)|(?:we|you) (?:have |'ve )?(?:officially )?"
        r"closed(?: on)?)\b", _I), "closed"),
    Signal(WON, re.compile(
        r"\b(?:(?:signed|countersigned|executed) (?:the )?(?:contract|agreement|order form|"
        r"proposal|sow)|purchase order (?:is )?attached|po (?:is )?attached)\b", _I),
        "contract signed"),
)
_NEGATION = re.compile(
    r"\b(?:not|n't|never|denied|declined|conditional(?:ly)?|pending|once|if|until|when|"
    r"awaiting|waiting|before|after|should|could|would|might|hope|hopefully|expect|expecting)"
    r"\b[^.!?]{0,40}$", _I)


def _quote_lines(text: str) -> str:
    """The new part of a reply: quoted lines and what follows 'On ... wrote:' are dropped."""
    kept = []
    for line in text.splitlines():
        if re.match(r"^\s*On .{5,200}wrote:\s*$", line) or line.rstrip() == "--":
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept)


def signals_in(text: str) -> list[tuple[Signal, str]]:
    """Each signal ``text`` states plainly, with the words that stated it."""
    body = _quote_lines(text)
    found = []
    for signal in SIGNALS:
        for match in signal.pattern.finditer(body):
            sentence_start = max(body.rfind(".", 0, match.start()),
                                 body.rfind("\n", 0, match.start())) + 1
            if _NEGATION.search(body[sentence_start:match.start()]):
                continue
            found.append((signal, match.group(0)))
            break
    return found


def _target(pipeline: Pipeline, signal: Signal) -> Stage | None:
    if signal.target == WON:
        # In real estate a signed contract means "under contract", not won.
        return None if pipeline.stage("under_contract") else pipeline.won_stage
    return pipeline.stage(signal.target)


def proposals_from_message(session: Session, *, text: str, sender: str, subject: str = "",
                           message_id: str | None = None) -> list[Action]:
    """Stage moves that a message from ``sender`` (an address) supports, one per deal."""
    found = signals_in(f"{subject}\n{text}")
    if not found:
        return []
    people = deals_of_addresses(session, [sender])
    if not people:
        return []
    actions = []
    for deal in load(session, ids=people):
        best: tuple[Stage, str, str] | None = None
        for signal, words in found:
            stage = _target(deal.pipeline, signal)
            if stage is None or stage.position <= deal.stage.position:
                continue
            if best is None or stage.position > best[0].position:
                best = (stage, signal.label, words)
        if best is None:
            continue
        stage, label, words = best
        role = next((r for _, r in people[deal.id] if r), "")
        who = next((p.name for p in deal.parties if p.contact_id == people[deal.id][0][0]),
                   sender)
        evidence = {"message_id": message_id, "from": sender, "subject": subject,
                    "quote": words, "signal": label, "role": role}
        action = updates.move(deal, stage, initiative=Initiative.PROACTIVE,
                              evidence={k: v for k, v in evidence.items() if v})
        by = f"{who} ({role})" if role else who
        actions.append(Action(duty=action.duty, kind=action.kind, payload=action.payload,
                              summary=f"{action.summary} — {by} wrote “{words}”",
                              initiative=action.initiative, undoable=True))
    return actions
