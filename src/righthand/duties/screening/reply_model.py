"""A reply body from the optional language model, checked before it is used.

The message goes as delimited data (never instructions); the client's name and signature go in
the instructions. The answer is kept only when it is plain text of at most 2,000 characters
and names no email address, link or phone number that is not already in the message or the
client's profile. Otherwise -- or when the model cannot answer (none, down, over budget, a
proactive run's one call spent) -- the caller keeps its offline template. Recipients never come
from the model: the draft stays an Action that meets the gate.
"""

from __future__ import annotations

import re

from righthand.duties.plugin import TextModel
from righthand.duties.screening.parse import MailFacts
from righthand.errors import RighthandError

MAX_CHARS = 2000
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')]+|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\."
                  r"(?:com|net|org|io|example|info|biz|co|app|dev|xyz|ly)\b(?:/[^\s<>\"')]*)?",
                  re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|```|\[[^\]]*\]\([^)]*\)")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _known(facts: MailFacts, profile: str) -> str:
    hrefs = " ".join(href for href, *_ in facts.links)
    return " ".join([facts.from_address, facts.from_name, facts.subject, facts.text,
                     facts.quoted, *facts.reply_to, *facts.to, *facts.cc, hrefs, profile])


def problems(text: str, facts: MailFacts, profile: str) -> list[str]:
    """Why a model's reply body cannot be used (empty when it can)."""
    found: list[str] = []
    if not text.strip():
        found.append("empty")
    if len(text) > MAX_CHARS:
        found.append(f"longer than {MAX_CHARS} characters")
    if _MARKUP.search(text):
        found.append("not plain text")
    known = _known(facts, profile).lower()
    addresses = {a.lower() for a in _EMAIL.findall(text)}
    for address in sorted(addresses - {a.lower() for a in _EMAIL.findall(known)}):
        found.append(f"new address {address}")
    bare = _EMAIL.sub(" ", text)
    for link in _URL.findall(bare):
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).split("/")[0]
        if host not in known:
            found.append(f"new link {link}")
    known_digits = _digits(known)
    for phone in _PHONE.findall(text):
        digits = _digits(phone)
        if len(digits) >= 7 and digits not in known_digits:
            found.append(f"new phone number {phone.strip()}")
    return found


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
    text = text.strip()
    if problems(text, facts, profile):
        return None
    return text + "\n"
