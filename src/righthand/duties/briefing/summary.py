"""The daily briefing's "In short" paragraph, from the optional language model.

The model gets the briefing's own facts -- the greeting and every section's lines, exactly as
the client will read them -- as one delimited data block (a mail subject or a reminder's text is
outside text: data, never instructions), and is asked for two to four plain sentences. Its
answer is kept only when it passes the same checker as screening's reply drafts
(:mod:`righthand.domain.model_text`), here also asked to find every number and every name in
those facts: plain text, at most :data:`MAX_CHARS` characters and four sentences, no address,
link, phone number, number or name of its own. Otherwise -- no model, over budget, a
proactive run's one call spent, the server down -- the briefing is the offline one, unchanged.
One model call per briefing at most.

The periodic job asks the model before its write unit, with no transaction open
(:func:`ahead`), and puts the answer on top of the briefing it then builds in its unit only if
that briefing's facts are still the ones summarised (:func:`on_top`); else the offline one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from righthand.domain import model_text
from righthand.duties.briefing.compose import Briefing
from righthand.duties.plugin import TextModel, Workspace
from righthand.errors import RighthandError

MAX_CHARS = 600
MAX_SENTENCES = 4
LABEL = "In short"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_LEADING_LABEL = re.compile(rf"^\s*{LABEL}\s*[:,-]\s*", re.I)


def facts(briefing: Briefing) -> str:
    """The briefing's facts as the model sees them (its text without the signature)."""
    parts = [briefing.greeting]
    for section in briefing.sections:
        lines = [section.title, *("- " + line.replace("\n", "\n  ") for line in section.lines)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def problems(text: str, source: str, ws: Workspace) -> list[str]:
    """Why the model's summary cannot be used (empty when it can)."""
    known = " ".join([source, ws.client_name, ws.addressee, ws.assistant_name])
    found = model_text.problems(text, known, max_chars=MAX_CHARS, numbers=True, names=True)
    sentences = len(_SENTENCE_END.findall(text))
    if sentences > MAX_SENTENCES:
        found.append(f"{sentences} sentences (at most {MAX_SENTENCES})")
    if "\n" in text.strip():
        found.append("more than one paragraph")
    return found


def written(model: TextModel | None, briefing: Briefing, ws: Workspace) -> str | None:
    """The model's checked summary of ``briefing``, or None to keep the offline briefing."""
    if model is None or not briefing.sections:
        return None
    source = facts(briefing)
    instructions = (
        f"Write a short summary of {ws.addressee}'s daily briefing, in the BRIEFING data "
        f"block, for the top of the briefing {ws.assistant_name} sends: two to four plain "
        f"sentences in one paragraph, at most {MAX_CHARS} characters, "
        f"saying what matters most today. Use only facts in the data: add no name, number, "
        f"date, email address, link or phone number of your own, and no markup or heading. "
        f"Address {ws.addressee} as 'you'.")
    try:
        text = model.ask(instructions, {"BRIEFING": source}, max_tokens=300)
    except RighthandError:
        return None
    text = _LEADING_LABEL.sub("", text.strip()).strip()
    return None if problems(text, source, ws) else text


def with_summary(model: TextModel | None, briefing: Briefing, ws: Workspace) -> Briefing:
    """``briefing`` with the model's "In short" paragraph on top, or unchanged."""
    text = written(model, briefing, ws)
    return briefing if text is None else replace(briefing, summary=text)


@dataclass(frozen=True)
class Written:
    """A checked summary written ahead, and the facts it summarises."""

    facts: str
    text: str


def ahead(model: TextModel | None, briefing: Briefing, ws: Workspace) -> Written | None:
    """The model's checked summary of ``briefing`` with its facts, for :func:`on_top` later;
    None to keep the offline briefing. Ask with no transaction open."""
    text = written(model, briefing, ws)
    return None if text is None else Written(facts(briefing), text)


def on_top(briefing: Briefing, summary: Written | None) -> Briefing:
    """``briefing`` with a summary written ahead on top, if it still summarises the briefing's
    facts (nothing changed in between); else the briefing unchanged (no second call)."""
    if summary is None or facts(briefing) != summary.facts:
        return briefing
    return replace(briefing, summary=summary.text)
