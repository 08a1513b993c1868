"""A reply body from the optional language model, checked before it is used.

The message goes as delimited data (never instructions); the client's name and signature go in
the instructions. The answer is kept only when it is plain text of at most 2,000 characters
and names no email address, link or phone number that is not already in the message or the
client's profile. Otherwise -- or when the model cannot answer (none, down, over budget, a
proactive run's one call spent) -- the caller keeps its offline template. Recipients never come
from the model: the draft stays an Action that meets the gate.
"""

from __future__ import annotations

from righthand.domain import model_text
from righthand.duties.plugin import TextModel
from righthand.duties.screening.parse import MailFacts
from righthand.errors import RighthandError

MAX_CHARS = 2000


def _known(facts: MailFacts, profile: str) -> str:
    hrefs = " ".join(href for href, *_ in facts.links)
    return " ".join([facts.from_address, facts.from_name, facts.subject, facts.text,
                     facts.quoted, *facts.reply_to, *facts.to, *facts.cc, hrefs, profile])


def problems(text: str, facts: MailFacts, profile: str) -> list[str]:
    """Why a model's reply body cannot be used (empty when it can)."""
    return model_text.problems(text, _known(facts, profile), max_chars=MAX_CHARS)


def checked(text: str | None, facts: MailFacts, profile: str) -> str | None:
    """``text`` stripped and ending in a newline when it passes the checks, else None."""
    if text is None:
        return None
    text = text.strip()
    return None if problems(text, facts, profile) else text + "\n"


def body(model: TextModel | None, facts: MailFacts, client_name: str, assistant_name: str,
         signature: str, profile: str) -> str | None:
    """The model's reply body, or None to keep the offline template."""
    if model is None:
        return None
    instructions = (
        f"Draft a short, polite reply to the email in the MESSAGE data block, written by "
        f"{assistant_name}, assistant to {client_name}, on {client_name}'s behalf. Answer with "
        f"the reply body only, as plain text (no markup, no subject line), at most "
        f"{MAX_CHARS} characters. Promise nothing {client_name} has not said; add no email "
        f"address, link or phone number. End with this signature:\n{signature}")
    data = {"MESSAGE": f"From: {facts.from_name} <{facts.from_address}>\n"
                       f"Subject: {facts.subject}\n\n{facts.text}"}
    try:
        text = model.ask(instructions, data, max_tokens=600)
    except RighthandError:
        return None
    return checked(text, facts, profile)
