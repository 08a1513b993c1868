"""Signals read from headers and structure: list mail, authentication results, spoofing of
known contacts, deceptive links and hidden text. Pure functions of :class:`MailFacts`."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from righthand.duties.screening.html import link_domain
from righthand.duties.screening.parse import MailFacts

_AUTH = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.I)
_SPF = re.compile(r"^\s*([a-z]+)", re.I)
_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.I)
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_NOREPLY = re.compile(r"^(no-?reply|do-?not-?reply|notifications?|mailer|receipts?|billing|"
                      r"orders?|info|news(letter)?|updates?|support|team|hello|marketing)\b", re.I)
_CREDENTIALS = re.compile(
    r"\b(verify your (account|identity|password)|confirm your (account|password|identity)|"
    r"(account|mailbox) (has been |will be )?(suspended|locked|disabled|closed)|"
    r"unusual (sign-?in|activity)|update your (payment|billing|bank)|wire (the )?funds|"
    r"gift cards?|reset your password|login to (avoid|keep)|(?:click|tap) here to (verify|"
    r"confirm|unlock|restore))", re.I)
FAILING = {"fail", "softfail", "permerror"}


@dataclass
class Signals:
    """What the headers and structure say about a message."""

    list_mail: bool = False
    list_id: str = ""
    bulk: bool = False
    auth: dict[str, str] = field(default_factory=dict)  # spf/dkim/dmarc -> result
    auth_failed: list[str] = field(default_factory=list)
    spoofing: list[str] = field(default_factory=list)
    deceptive_links: list[str] = field(default_factory=list)
    credential_bait: bool = False
    hidden_text: bool = False
    automated_sender: bool = False

    @property
    def phishing_reasons(self) -> list[str]:
        """Why this looks like phishing (empty when it does not)."""
        reasons = list(self.spoofing)
        if self.auth_failed and (self.credential_bait or self.deceptive_links or self.spoofing):
            reasons.append("it fails sender authentication (" + ", ".join(self.auth_failed)
                           + ")")
        if self.deceptive_links and self.credential_bait:
            reasons.append("its links lead somewhere other than they say ("
                           + ", ".join(self.deceptive_links[:2]) + ") and it asks for "
                           "account details")
        if self.hidden_text and self.credential_bait:
            reasons.append("it hides text from the reader and asks for account details")
        return reasons


def read(facts: MailFacts, known: Mapping[str, str],
         known_domains: Collection[str] = ()) -> Signals:
    """The signals of ``facts``; ``known`` maps known contacts' addresses to their names."""
    signals = Signals()
    list_id = facts.header("list-id")
    precedence = facts.header("precedence").lower()
    signals.list_id = list_id
    signals.bulk = precedence in {"bulk", "list", "junk"}
    signals.list_mail = bool(list_id or facts.header("list-unsubscribe")) or signals.bulk
    signals.auth = _auth_results(facts)
    signals.auth_failed = [f"{k}={v}" for k, v in sorted(signals.auth.items()) if v in FAILING]
    signals.spoofing = _spoofing(facts, known, known_domains)
    signals.deceptive_links = _deceptive_links(facts)
    visible = f"{facts.subject}\n{facts.text}"
    signals.credential_bait = bool(_CREDENTIALS.search(visible))
    signals.hidden_text = len(facts.hidden_text.strip()) >= 20
    local = facts.from_address.partition("@")[0]
    signals.automated_sender = bool(_NOREPLY.match(local)) or bool(
        facts.header("auto-submitted") and facts.header("auto-submitted").lower() != "no")
    return signals


def _auth_results(facts: MailFacts) -> dict[str, str]:
    found: dict[str, str] = {}
    # Only the topmost Authentication-Results is our own server's verdict; lower ones could
    # have been written by the sender.
    top = facts.headers.get("authentication-results", [])[:1]
    for value in top:
        for method, result in _AUTH.findall(value):
            found.setdefault(method.lower(), result.lower())
    spf = facts.header("received-spf")
    if spf and "spf" not in found:
        match = _SPF.match(spf)
        if match:
            found["spf"] = match.group(1).lower()
    return found


def _spoofing(facts: MailFacts, known: Mapping[str, str],
              known_domains: Collection[str]) -> list[str]:
    reasons: list[str] = []
    if not facts.from_address or facts.from_address in known:
        return reasons
    name = _norm(facts.from_name)
    if name and len(name) > 3:
        for address, contact in known.items():
            if _norm(contact) == name:
                reasons.append(f"it uses the name of your contact {contact} but comes from "
                               f"{facts.from_address}, not {address}")
                break
    domain = facts.from_domain
    if domain and domain not in known_domains:
        for own in known_domains:
            if abs(len(own) - len(domain)) <= 2 and 0 < Levenshtein.distance(own, domain) <= 2:
                reasons.append(f"its sender domain {domain} imitates {own}, a domain of your "
                               "contacts")
                break
    return reasons


def _deceptive_links(facts: MailFacts) -> list[str]:
    found: list[str] = []
    for href, text in facts.links:
        target = link_domain(href)
        if not target:
            continue
        if _IP_HOST.match(target):
            found.append(f"a link to the bare address {target}")
            continue
        shown = _DOMAIN_IN_TEXT.search(text or "")
        if shown:
            claimed = shown.group(1).lower().removeprefix("www.")
            if not (target == claimed or target.endswith("." + claimed)
                    or claimed.endswith("." + target)):
                found.append(f"'{claimed}' leads to {target}")
    return found


def _norm(name: str) -> str:
    return re.sub(r"[^a-z]+", " ", name.lower()).strip()
