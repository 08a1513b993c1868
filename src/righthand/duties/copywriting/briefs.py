"""A brief from what the client said: "Write Google ad headlines for our spring cleaning
special: 20% off all cleaning; offer ends March 31. Avoid cheap."

The channel comes from the words (Google, Facebook, subject line, flyer...), the number of
variants from a number word, the facts from after a colon or "mention", the words to avoid
from "avoid", "don't say" or "without". A structured brief (the CLI's options) arrives whole in
the ``brief`` slot and is used as given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from righthand.domain.copy import Brief

_TONES = ("professional", "friendly", "playful", "urgent")
_CHANNELS = (
    (re.compile(r"\b(?:microsoft|bing)\b", re.I), "microsoft-rsa"),
    (re.compile(r"\b(?:facebook|instagram|meta|fb|insta|social)\b", re.I), "meta"),
    (re.compile(r"\bsubject(?:\s+lines?)?\b", re.I), "email-subject"),
    (re.compile(r"\b(?:flyers?|posters?|leaflets?)\b", re.I), "flyer"),
    (re.compile(r"\b(?:listings?|blurbs?|directory)\b", re.I), "listing"),
    (re.compile(r"\b(?:google|search ads?|adwords|headlines?|rsa)\b", re.I), "google-rsa"),
)
_COUNTS = {"one": 1, "a": 1, "an": 1, "two": 2, "a couple of": 2, "three": 3, "few": 3,
           "four": 4, "five": 5}
_COUNT = re.compile(r"\b(?P<n>[1-5]|one|two|three|four|five|a couple of)\s+(?:\w+\s+){0,3}?"
                    r"(?:variants?|versions?|options?|headlines?|ads?|subject lines?|"
                    r"subjects?|blurbs?|flyers?|takes?)\b", re.I)
_AVOID = re.compile(r"\b(?:avoid(?:ing)?(?: the words?)?|don'?t (?:say|use)|do not (?:say|use)|"
                    r"without (?:the words?|saying)|never say)\s+(?P<words>[^.;:]+)", re.I)
_FACTS = re.compile(r"(?::|\b(?:mention(?:ing)?|include|including|must say|say that|stating)\b)"
                    r"\s*(?P<facts>[^\n]+)", re.I)
_AUDIENCE = re.compile(r"\b(?:aimed at|targeting|targeted at|to reach|for people who are|"
                       r"audience(?: is)?:?)\s+(?P<who>[^.;:,]+)", re.I)
_OFFER = re.compile(r"\b(?:for|about|promoting|advertising|announcing|on)\s+(?:our|the|my|a|an)?"
                    r"\s*(?P<offer>[^.;:!?]+)", re.I)


def channel_of(text: str, default: str = "google-rsa") -> str:
    """The preset the words ask for."""
    for pattern, name in _CHANNELS:
        if pattern.search(text):
            return name
    return default


def count_of(text: str, default: int = 3) -> int:
    """How many variants the words ask for (1-5)."""
    found = _COUNT.search(text)
    if not found:
        return default
    raw = found.group("n").lower()
    return max(1, min(5, int(raw) if raw.isdigit() else _COUNTS.get(raw, default)))


def _split(text: str) -> list[str]:
    # Commas inside numbers ("$1,450") and a trailing period stay with the fact.
    parts = re.split(r"\s*(?:;|(?<!\d),|,(?!\d)|\band\b|\n|\.\s+)\s*", text)
    parts = [p.strip(" .'\"") for p in parts]
    return [p for p in parts if p and p.lower() not in _TONES]


def parse(text: str, slots: Mapping[str, Any]) -> tuple[Brief, str, int]:
    """(brief, preset name, number of variants) for a request."""
    given = slots.get("brief")
    channel = str(slots.get("channel") or "") or channel_of(text)
    count = int(slots.get("count") or 0) or count_of(text)
    if isinstance(given, Mapping):
        return Brief.from_json(given), channel, count
    avoid: list[str] = []
    rest = text
    for found in _AVOID.finditer(text):
        avoid += [w for w in _split(re.sub(r"\bor\b", ",", found.group("words")))
                  if not re.fullmatch(r"(?:the\s+)?words?", w)]
        rest = rest.replace(found.group(0), " ")
    facts: list[str] = []
    found_facts = _FACTS.search(rest)
    head = rest
    if found_facts:
        facts = _split(found_facts.group("facts"))
        head = rest[:found_facts.start()]
    audience_match = _AUDIENCE.search(head)
    audience = audience_match.group("who").strip() if audience_match else ""
    if audience_match:
        head = head.replace(audience_match.group(0), " ")
    offer_match = _OFFER.search(head)
    offer = offer_match.group("offer").strip() if offer_match else ""
    offer = re.sub(r"\s+(?:on|for|in)\s+(?:google|facebook|instagram|bing|microsoft)\b.*$", "",
                   offer, flags=re.I)
    offer = " ".join(offer.split()).strip(" ,-")
    tone = next((t for t in _TONES if re.search(rf"\b{t}\b", text, re.I)), "friendly")
    brief = Brief(offer=offer, audience=audience, tone=tone, avoid=tuple(avoid),
                  facts=tuple(facts))
    return brief, channel, count
