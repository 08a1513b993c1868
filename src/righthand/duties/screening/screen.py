"""Screening one message: the client's rules, known contacts and their deals, list headers,
authentication results, and the learned classifier, combined in a fixed order of precedence.

1. Phishing signals (spoofed contact, failing authentication with bait, deceptive links) make
   a message ``phishing``; a rule can still hide it, but never raise its standing (no VIP,
   no forwarding) -- rules name senders, and phishing is exactly a sender that is not who it
   says.
2. The client's rules.
3. Known contacts: tagged VIP -> ``vip``; a party to an open deal -> high priority.
4. List headers (List-Id, List-Unsubscribe, Precedence) -> ``newsletter``.
5. The learned classifier, once it has learned enough (it never calls a known contact spam).
6. Plain heuristics: receipts, scheduling words, questions, spam words; else ``fyi``.

Every word of a message is data: screening only ever chooses among these categories and the
actions in ``actions.py``; nothing a message says can add a recipient or an action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from righthand.duties.screening import rules as rules_mod
from righthand.duties.screening import signals as signals_mod
from righthand.duties.screening.classifier import NaiveBayes, features
from righthand.duties.screening.parse import MailFacts

MIN_EXAMPLES = 20  # the learned classifier speaks once it has learned this many examples
MIN_PER_LABEL = 3
CONFIDENT = 0.8
SPAM_CONFIDENT = 0.9
_RECEIPT = re.compile(r"\b(receipt|invoice|order (#|no\.?|number|confirmation)|your order|"
                      r"payment (received|confirmation)|has shipped|tracking number|"
                      r"statement is ready|subscription renew|booking confirmation|"
                      r"amount (paid|due)|thank you for your (purchase|order|payment))\b", re.I)
_SCHEDULING = re.compile(
    r"\b(meet(ing)?|call|appointment|viewing|showing|coffee|lunch|catch up|catch-up|"
    r"(could|can|shall) we (do|see|visit|tour|come by|stop by|book))\b.{0,80}"
    r"\b(available|availability|free|work for you|works for you|suit|schedule|reschedule|"
    r"slot|time|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next week|"
    r"\d{1,2}(:\d{2})?\s?(am|pm))\b|\b(are you (free|available)|when (are|would) you|"
    r"does .{1,30} work for you|can we (meet|talk|schedule)|reschedule|invitation:)", re.I | re.S)
_QUESTION = re.compile(r"\?|\b(could you|can you|would you|please (let me know|confirm|send|"
                       r"advise|call)|let me know|get back to me|your thoughts|need your|"
                       r"waiting (for|on) your)\b", re.I)
_SPAMMY = re.compile(r"\b(viagra|casino|lottery|winner|you have won|free money|bitcoin|crypto|"
                     r"100% free|act now|limited time|risk-free|earn \$|make money|weight loss|"
                     r"work from home|million dollars|inheritance|nigerian?|unsubscribe here|"
                     r"cheap meds|miracle|hot singles|dear friend|click below|no credit check|"
                     r"solar (panels?|savings)|extended warranty)\b", re.I)


@dataclass
class KnownSender:
    """A contact the message comes from."""

    contact_id: int
    name: str
    company: str = ""
    tags: tuple[str, ...] = ()
    deals: tuple[str, ...] = ()  # titles of open deals the contact is part of


@dataclass
class Context:
    """Everything screening knows besides the message (loaded once per batch)."""

    contacts: dict[str, KnownSender] = field(default_factory=dict)  # by lower-case address
    rules: list[rules_mod.Rule] = field(default_factory=list)
    model: NaiveBayes = field(default_factory=NaiveBayes)
    own_addresses: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.known_names = {a: k.name for a, k in self.contacts.items()}
        self.known_domains = {a.rpartition("@")[2] for a in self.contacts} - _FREEMAIL


_FREEMAIL = {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "aol.com",
             "example.com", "example.org", "example.net", "proton.me", "gmx.com"}


@dataclass
class Verdict:
    """Screening's decision on one message, with its reasons in plain words."""

    category: str
    priority: str = "normal"
    reasons: list[str] = field(default_factory=list)
    hide: bool = False
    forward: bool = False  # by email to the client
    forward_phone: bool = False  # a text to the client's own phone
    folder: str | None = None
    label: str | None = None
    rule_ids: list[int] = field(default_factory=list)
    contact_id: int | None = None
    deals: tuple[str, ...] = ()
    model_guess: str | None = None
    model_confidence: float = 0.0
    rule_texts: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The stored form (``MailMessage.reasons``)."""
        return {"reasons": self.reasons, "rule_ids": self.rule_ids, "hide": self.hide,
                "forward": self.forward, "forward_phone": self.forward_phone,
                "folder": self.folder, "label": self.label,
                "contact_id": self.contact_id, "deals": list(self.deals),
                "model_guess": self.model_guess,
                "model_confidence": round(self.model_confidence, 3)}


def screen(facts: MailFacts, ctx: Context) -> Verdict:
    """Categorise one message."""
    known = ctx.contacts.get(facts.from_address)
    sig = signals_mod.read(facts, ctx.known_names, ctx.known_domains)
    sender = rules_mod.SenderInfo(company=known.company, name=known.name) if known else None
    applied = rules_mod.apply(ctx.rules, facts, sender)
    tokens = features(facts)
    guess, confidence = _model_guess(ctx.model, tokens)
    verdict = Verdict("fyi", model_guess=guess, model_confidence=confidence)
    if known:
        verdict.contact_id, verdict.deals = known.contact_id, known.deals
    phishing = sig.phishing_reasons
    if phishing:
        verdict.category, verdict.priority = "phishing", "low"
        verdict.reasons = ["Suspected phishing: " + "; ".join(phishing) + "."]
        if applied.rule_ids:
            verdict.reasons.append("Your rules were not applied: the sender is not who it "
                                   "claims to be.")
        verdict.hide, verdict.folder = applied.hide, None
        return verdict
    _apply_rules(verdict, applied)
    if applied.category:  # a rule set the category
        _standing(verdict, facts, known)
        _urgent_forward(verdict, ctx)
        return verdict
    if known and "vip" in {t.lower() for t in known.tags}:
        verdict.category = "vip"
        verdict.reasons.append(f"{known.name} is one of your VIPs.")
    elif guess == "spam" and confidence >= SPAM_CONFIDENT and not known:
        verdict.category = "spam"
        verdict.reasons.append(f"Learned from your corrections: spam ({confidence:.0%} sure).")
    elif sig.list_mail:
        verdict.category = "newsletter"
        verdict.reasons.append("Sent to a mailing list (" + (sig.list_id or "List-Unsubscribe "
                               "/ Precedence headers") + ").")
    elif guess and confidence >= (SPAM_CONFIDENT if guess == "spam" else CONFIDENT) \
            and not (known and guess in {"spam", "phishing"}):
        verdict.category = guess
        verdict.reasons.append(f"Learned from your corrections ({confidence:.0%} sure).")
    else:
        verdict.category, why = _heuristic(facts, sig, known is not None)
        verdict.reasons.append(why)
    _standing(verdict, facts, known)
    _urgent_forward(verdict, ctx)
    return verdict


def _model_guess(model: NaiveBayes, tokens: list[str]) -> tuple[str | None, float]:
    if model.examples < MIN_EXAMPLES:
        return None, 0.0
    guess, confidence = model.predict(tokens)
    if guess is None or model.docs[guess] < MIN_PER_LABEL:
        return None, 0.0
    return guess, confidence


def _apply_rules(verdict: Verdict, applied: rules_mod.Applied) -> None:
    verdict.rule_ids = applied.rule_ids
    verdict.hide, verdict.forward = applied.hide, applied.forward
    verdict.forward_phone = applied.forward_phone
    verdict.folder, verdict.label = applied.folder, applied.label
    if applied.priority:
        verdict.priority = applied.priority
    if applied.category:
        verdict.category = applied.category
    verdict.rule_texts = applied.texts


def _heuristic(facts: MailFacts, sig: signals_mod.Signals, known: bool) -> tuple[str, str]:
    text = f"{facts.subject}\n{facts.text[:3000]}"
    if _RECEIPT.search(text) and (sig.automated_sender or not known):
        return "transactional", "It reads like a receipt or an account notice."
    if facts.has_calendar or _SCHEDULING.search(text):
        return "scheduling_request", "It asks about a time to meet."
    spam_hits = len({m.group(0).lower() for m in _SPAMMY.finditer(text)})
    if not known and (spam_hits >= 2 or (spam_hits and (sig.auth_failed or sig.hidden_text))):
        return "spam", "It looks like unsolicited bulk mail."
    if not sig.automated_sender and _QUESTION.search(facts.text[:3000]):
        return "needs_reply", "It asks you something."
    if sig.automated_sender:
        return "fyi", "An automated notice."
    return "fyi", "For your information; nothing is asked of you."


def asks_something(facts: MailFacts) -> bool:
    """True when the new part of the message asks the client something."""
    return bool(_QUESTION.search(facts.text[:3000]))


def _standing(verdict: Verdict, facts: MailFacts, known: KnownSender | None) -> None:
    if verdict.rule_texts:
        verdict.reasons.append("Your rule: " + "; ".join(f'"{t}"' for t in verdict.rule_texts)
                               + ".")
    if verdict.category in {"vip"}:
        verdict.priority = "high" if verdict.priority != "low" else "low"
    if known and known.deals and verdict.category not in {"spam", "phishing", "newsletter"}:
        if verdict.priority != "low":
            verdict.priority = "high"
        verdict.reasons.append(f"{known.name} is part of {', '.join(known.deals[:2])}.")
    if verdict.category in {"newsletter", "transactional", "spam", "phishing"} \
            and verdict.priority == "normal":
        verdict.priority = "low"
    if verdict.hide:
        verdict.priority = "low"


def _urgent_forward(verdict: Verdict, ctx: Context) -> None:
    if verdict.priority != "high":
        return
    targets = rules_mod.forwards_urgent(ctx.rules)
    verdict.forward = verdict.forward or "email" in targets
    verdict.forward_phone = verdict.forward_phone or "phone" in targets
