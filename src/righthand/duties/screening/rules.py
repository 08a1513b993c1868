"""The client's screening rules, in plain words, understood into data.

The grammar (case does not matter; "please" and the assistant's name may come first):

* ``treat (anything|mail|email|messages) from WHO as CATEGORY`` -- CATEGORY is urgent or
  important (high priority), VIP, spam or junk, a newsletter or promotion, a receipt,
  FYI, needing a reply, or a scheduling request;
* ``WHO is (a) VIP`` / ``mail from WHO is (always) urgent|important``;
* ``never show me (anything|mail) from WHO`` / ``hide (mail) from WHO`` / ``block WHO``;
* ``(always) forward (anything|mail) from WHO to me`` / ``forward urgent mail to me`` --
  ``to my phone`` (or mobile, cell) sends a short text to the client's own phone instead;
* ``(put|move|file) (mail) from WHO (in|into|to) (the folder) NAME`` / ``label (mail) from
  WHO as NAME``;
* ``(anything|mail) (about|mentioning) TOPIC is urgent|important`` (and the other CATEGORY
  words).

WHO is an address (bob@example.com), a domain (acme.com or @acme.com), or words naming a
sender ("that solar company" -> senders whose name, address or company mention "solar").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from righthand.duties.screening.parse import MailFacts

CATEGORIES = ("vip", "needs_reply", "scheduling_request", "fyi", "newsletter", "transactional",
              "spam", "phishing")
_FILLER = {"that", "the", "those", "these", "this", "a", "an", "my", "our", "any", "all",
           "company", "companies", "firm", "guy", "guys", "people", "folks", "outfit", "one",
           "ones", "mail", "email", "emails", "messages", "newsletter", "newsletters", "from",
           "place", "shop", "store", "business", "people's", "anyone", "anybody", "everyone",
           "at", "of"}
_EMAIL = re.compile(r"^[\w.%+'-]+@[\w.-]+\.[a-z]{2,}$", re.I)
_DOMAIN = re.compile(r"^@?((?:[a-z0-9-]+\.)+[a-z]{2,})$", re.I)
_MAIL = r"(?:anything|everything|all\s+(?:mail|email|messages)|mail|e-?mails?|messages?)"
# Where a forward goes: "me", "my email", "my inbox" -> email; "my phone", "my mobile" -> a text.
_TARGET = r"(?P<to>me|my\s+(?:phone|mobile|cell(?:\s?phone)?|email|e-mail|inbox))"
_PHONE_WORDS = re.compile(r"\bmy\s+(?:phone|mobile|cell)", re.I)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("treat", re.compile(rf"^treat\s+(?:{_MAIL}\s+)?from\s+(?P<who>.+?)\s+as\s+(?P<what>.+)$")),
    ("hide", re.compile(rf"^(?:never|don'?t|do not)\s+show\s+me\s+(?:{_MAIL}\s+)?from\s+"
                        r"(?P<who>.+)$")),
    ("hide", re.compile(rf"^(?:hide|block|mute)\s+(?:{_MAIL}\s+)?(?:from\s+)?(?P<who>.+)$")),
    ("forward_urgent", re.compile(r"^(?:always\s+)?forward\s+(?:all\s+)?(?:urgent|important)\s+"
                                  rf"(?:mail|e-?mail|messages?)\s+to\s+{_TARGET}$")),
    ("forward", re.compile(rf"^(?:always\s+)?forward\s+(?:{_MAIL}\s+)?from\s+(?P<who>.+?)\s+"
                           rf"to\s+{_TARGET}$")),
    ("folder", re.compile(rf"^(?:put|move|file)\s+(?:{_MAIL}\s+)?from\s+(?P<who>.+?)\s+"
                          r"(?:in|into|to|under)\s+(?:the\s+)?(?:folder\s+)?(?P<name>.+?)"
                          r"(?:\s+folder)?$")),
    ("label", re.compile(rf"^(?:label|tag)\s+(?:{_MAIL}\s+)?from\s+(?P<who>.+?)\s+(?:as|with)\s+"
                         r"(?P<name>.+)$")),
    ("about", re.compile(rf"^(?:{_MAIL}\s+)?(?:about|mentioning|that mentions)\s+(?P<topic>.+?)"
                         r"\s+(?:is|are)\s+(?:always\s+)?(?P<what>.+)$")),
    ("is", re.compile(rf"^(?:{_MAIL}\s+from\s+)?(?P<who>.+?)\s+(?:is|are)\s+(?:always\s+)?"
                      r"(?P<what>(?:an?\s+)?vip|urgent|important|spam|junk)$")),
]


class RuleNotUnderstood(ValueError):
    """The sentence does not fit the rule grammar."""


@dataclass(frozen=True)
class Rule:
    """A rule as data: what it matches and what it does."""

    match: Mapping[str, str]
    effect: Mapping[str, Any]
    text: str = ""
    id: int | None = None

    @property
    def forward_to(self) -> str:
        """Where the rule forwards: ``email`` or ``phone`` (rules stored before targets were
        kept say so in their words)."""
        said = self.effect.get("to")
        if said in {"email", "phone"}:
            return str(said)
        return "phone" if _PHONE_WORDS.search(self.text) else "email"

    def describe(self) -> str:
        """The rule in Righthand's own words (so the client sees how it was understood)."""
        field_, value = self.match.get("field", ""), self.match.get("value", "")
        who = {"address": f"mail from {value}", "domain": f"mail from {value} (and its "
               "subdomains)", "sender": f"mail from senders whose name, address or company "
               f"mention '{value}'", "topic": f"mail whose subject or text mentions '{value}'",
               "any": "any mail"}.get(field_, f"{field_} {value}")
        does = []
        effect = self.effect
        if effect.get("category"):
            does.append(f"is {effect['category'].replace('_', ' ')}")
        if effect.get("priority") == "high":
            does.append("is urgent")
        if effect.get("hide"):
            does.append("is moved out of sight")
        if effect.get("folder"):
            does.append(f"goes to the folder {effect['folder']}")
        if effect.get("label"):
            does.append(f"is labelled {effect['label']}")
        if effect.get("forward"):
            does.append("is texted to your phone" if self.forward_to == "phone"
                        else "is forwarded to you")
        return f"{who} " + " and ".join(does or ["(no effect)"])


def parse_rule(text: str, assistant_name: str = "Jane") -> Rule:
    """Understand one sentence as a :class:`Rule`, or raise :class:`RuleNotUnderstood`."""
    cleaned = re.sub(rf"^\s*(?:{re.escape(assistant_name)}\s*[,:]?\s*)?(?:please\s*,?\s*)?", "",
                     text.strip(), flags=re.I)
    cleaned = re.sub(r"\s*(?:,?\s*please)?\s*[.!]*\s*$", "", cleaned).strip()
    lowered = re.sub(r"\s+", " ", cleaned.lower())
    for kind, pattern in _PATTERNS:
        found = pattern.match(lowered)
        if not found:
            continue
        groups = found.groupdict()
        forward: dict[str, Any] = {"forward": True}
        if _PHONE_WORDS.search(groups.get("to") or ""):
            forward["to"] = "phone"
        if kind == "forward_urgent":
            return Rule({"field": "priority", "value": "high"}, forward, text)
        if kind == "about":
            effect = _effect(groups["what"])
            return Rule({"field": "topic", "value": groups["topic"].strip(" '\"")}, effect, text)
        match = who(groups["who"])
        if kind in {"treat", "is"}:
            return Rule(match, _effect(groups["what"]), text)
        if kind == "hide":
            return Rule(match, {"hide": True, "priority": "low"}, text)
        if kind == "forward":
            return Rule(match, forward, text)
        name = _name(cleaned, groups["name"])
        return Rule(match, {"folder": name} if kind == "folder" else {"label": name}, text)
    raise RuleNotUnderstood(
        f"I couldn't turn {text!r} into a rule. Say for example: \"treat anything from acme.com "
        "as urgent\", \"never show me mail from that solar company\", \"forward anything from "
        "bob@example.com to me\" or \"put mail from the bank in Finance\".")


def who(text: str) -> dict[str, str]:
    """What WHO names: an address, a domain, or words of a sender's name or company."""
    value = text.strip(" '\"<>")
    if _EMAIL.match(value):
        return {"field": "address", "value": value.lower()}
    domain = _DOMAIN.match(value)
    if domain:
        return {"field": "domain", "value": domain.group(1).lower()}
    words = [w for w in re.findall(r"[\w&'-]+", value.lower()) if w not in _FILLER]
    if not words:
        raise RuleNotUnderstood(f"I can't tell whose mail {text!r} means; name the sender, "
                                "their address or their domain.")
    return {"field": "sender", "value": " ".join(words)}


def _effect(what: str) -> dict[str, Any]:
    word = re.sub(r"^(?:an?|the)\s+", "", what.strip()).rstrip("s") if what.strip() not in {
        "fyi", "vip", "needs reply"} else what.strip()
    table: dict[str, dict[str, Any]] = {
        "urgent": {"priority": "high"}, "important": {"priority": "high"},
        "vip": {"category": "vip", "priority": "high"},
        "spam": {"category": "spam"}, "junk": {"category": "spam"},
        "newsletter": {"category": "newsletter"}, "promotion": {"category": "newsletter"},
        "receipt": {"category": "transactional"}, "transactional": {"category": "transactional"},
        "fyi": {"category": "fyi"}, "unimportant": {"category": "fyi", "priority": "low"},
        "needs reply": {"category": "needs_reply"}, "needing a reply": {"category": "needs_reply"},
        "scheduling request": {"category": "scheduling_request"},
    }
    if word not in table:
        raise RuleNotUnderstood(f"I don't know the category {what!r}; use urgent, VIP, spam, "
                                "newsletter, receipt, FYI, needs reply or scheduling request.")
    return dict(table[word])


def _name(original: str, lowered_name: str) -> str:
    """The folder or label name as the client typed it (case kept)."""
    at = original.lower().rfind(lowered_name)
    name = original[at:at + len(lowered_name)] if at >= 0 else lowered_name
    return name.strip(" '\"")


@dataclass
class SenderInfo:
    """What the matcher may know of the sender beyond the message (their contact record)."""

    company: str = ""
    name: str = ""


def matches(rule: Rule, facts: MailFacts, sender: SenderInfo | None = None,
            priority: str | None = None) -> bool:
    """Does ``rule`` apply to the message?"""
    field_, value = rule.match.get("field"), str(rule.match.get("value", "")).lower()
    if field_ == "address":
        return facts.from_address == value
    if field_ == "domain":
        return facts.from_domain == value or facts.from_domain.endswith("." + value)
    if field_ == "sender":
        sender = sender or SenderInfo()
        haystack = " ".join((facts.from_name, facts.from_address, sender.company,
                             sender.name)).lower()
        return all(word in haystack for word in value.split())
    if field_ == "topic":
        return value in f"{facts.subject}\n{facts.text}".lower()
    if field_ == "priority":
        return priority == value
    return field_ == "any"


@dataclass
class Applied:
    """The combined effect of the rules that matched."""

    rule_ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    category: str | None = None
    priority: str | None = None
    hide: bool = False
    forward: bool = False  # by email
    forward_phone: bool = False  # as a text to the client's own phone
    folder: str | None = None
    label: str | None = None


def apply(rules: list[Rule], facts: MailFacts, sender: SenderInfo | None = None) -> Applied:
    """Every matching rule's effect, later rules winning on conflicts."""
    applied = Applied()
    for rule in rules:
        if rule.match.get("field") == "priority" or not matches(rule, facts, sender):
            continue
        if rule.id is not None:
            applied.rule_ids.append(rule.id)
        applied.texts.append(rule.text or rule.describe())
        effect = rule.effect
        applied.category = effect.get("category") or applied.category
        applied.priority = effect.get("priority") or applied.priority
        applied.hide = applied.hide or bool(effect.get("hide"))
        if effect.get("forward") and rule.forward_to == "phone":
            applied.forward_phone = True
        elif effect.get("forward"):
            applied.forward = True
        applied.folder = effect.get("folder") or applied.folder
        applied.label = effect.get("label") or applied.label
    return applied


def forwards_urgent(rules: list[Rule]) -> set[str]:
    """Where rules say to forward all urgent mail: a subset of {"email", "phone"}."""
    return {r.forward_to for r in rules
            if r.match.get("field") == "priority" and r.effect.get("forward")}
