"""Requests about the client's email: the digest and screening rules (screening.email).

Only recognition lives here; the duty parses a rule sentence with its own grammar
(``duties/screening/rules.py``) and says so when it cannot."""

from __future__ import annotations

import re

from righthand.conversation.understanding import Understanding

_MAIL = r"(?:mail|e-?mails?|messages?|anything|everything)"
_SUMMARY = re.compile(
    r"\b(anything|any|what'?s|whats|what is)\b.{0,40}\b(important|new|urgent|interesting)\b"
    r".{0,20}\b(e-?mail|inbox|mail)\b|^(check|screen|summari[sz]e|go through|triage)\s+"
    r"(my\s+)?(e-?mail|inbox|mail)\b|\b(e-?mail|inbox|mail)\s+(digest|summary)\b|"
    r"\bwhat'?s\s+in\s+my\s+(inbox|e-?mail|mail)\b", re.I)
_RULE = re.compile(
    rf"^(treat|never\s+show\s+me|don'?t\s+show\s+me|do\s+not\s+show\s+me|(always\s+)?forward|"
    rf"label|tag)\b.*\bfrom\b|^(hide|block|mute)\s+({_MAIL}\s+)?from\b|"
    rf"^(hide|block|mute)\s+\S+@\S+|^(put|move|file)\s+({_MAIL}\s+)?from\b|"
    rf"^(always\s+)?forward\s+(all\s+)?(urgent|important)\s+{_MAIL}\s+to\s+me\b|"
    rf"^{_MAIL}\s+(about|mentioning)\s+.+\s(is|are)\s|"
    rf"^{_MAIL}\s+from\s+.+\s(is|are)\s+(always\s+)?(urgent|important|vip|spam)\b|"
    r"^[\w.@&' -]+\s+is\s+(a\s+)?vip\s*[.!]?$", re.I)
_RULE_LIST = re.compile(r"\b(my|the)\s+(e-?mail|mail|screening|inbox)\s+rules\b|"
                        r"^(show|list|what are)\s+(me\s+)?(my\s+)?rules\b", re.I)


def understand(cleaned: str) -> Understanding | None:
    """The mail intent of ``cleaned`` (the assistant's name already stripped), if any."""
    text = cleaned.strip()
    if _RULE_LIST.search(text):
        return Understanding("screening.rule", {"op": "list"}, 0.85)
    if _RULE.search(text):
        return Understanding("screening.rule", {"op": "add", "text": text}, 0.85)
    if _SUMMARY.search(text):
        return Understanding("screening.email_summary", {}, 0.9)
    return None
