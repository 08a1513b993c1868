"""Screening, pure: the rule grammar, the signals, categories, the classifier, and the
actions a verdict may lead to (never more than the job allows, whatever a message says)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from righthand.duties.screening import rules as r
from righthand.duties.screening.actions import MessageRef, Office, plan
from righthand.duties.screening.classifier import NaiveBayes, features
from righthand.duties.screening.parse import parse
from righthand.duties.screening.screen import Context, KnownSender, screen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
REF = MessageRef("k", "<m@x>", "INBOX", 1, 7)
OFFICE = Office("Pat Lee", "Jane", "pat@harbourpine.example")


def mail(sender: str, subject: str, body: str, headers: dict[str, str] | None = None,
         html: str | None = None):
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = sender, subject, "<m@x>"
    for k, v in (headers or {}).items():
        msg[k] = v
    if body:
        msg.set_content(body)
    else:
        msg.set_content(html or "", subtype="html")
    return parse(bytes(msg))


@pytest.mark.parametrize(("text", "match", "effect"), [
    ("treat anything from acme.com as urgent", {"field": "domain", "value": "acme.com"},
     {"priority": "high"}),
    ("Jane, please treat mail from Bob@Example.com as VIP.",
     {"field": "address", "value": "bob@example.com"}, {"category": "vip", "priority": "high"}),
    ("never show me mail from that solar company", {"field": "sender", "value": "solar"},
     {"hide": True, "priority": "low"}),
    ("block @spammy.example", {"field": "domain", "value": "spammy.example"},
     {"hide": True, "priority": "low"}),
    ("forward anything from dev.patel@firstharbor.example to me",
     {"field": "address", "value": "dev.patel@firstharbor.example"}, {"forward": True}),
    ("put mail from the bank in Finance", {"field": "sender", "value": "bank"},
     {"folder": "Finance"}),
    ("label messages from garcialaw.example as Legal",
     {"field": "domain", "value": "garcialaw.example"}, {"label": "Legal"}),
    ("anything mentioning Birch Lane is urgent", {"field": "topic", "value": "birch lane"},
     {"priority": "high"}),
    ("treat everything from news.example as newsletters",
     {"field": "domain", "value": "news.example"}, {"category": "newsletter"}),
    ("forward urgent mail to me", {"field": "priority", "value": "high"}, {"forward": True}),
    ("Alice Jones is a VIP", {"field": "sender", "value": "alice jones"},
     {"category": "vip", "priority": "high"}),
])
def test_rule_grammar(text, match, effect) -> None:
    rule = r.parse_rule(text)
    assert dict(rule.match) == match and dict(rule.effect) == effect
    assert rule.describe()


@pytest.mark.parametrize("text", ["make me a sandwich", "treat acme as purple",
                                  "never show me mail from the"])
def test_sentences_outside_the_grammar_are_refused_with_examples(text) -> None:
    with pytest.raises(r.RuleNotUnderstood, match="|".join(["For example", "example",
                                                            "category", "name the sender"])):
        r.parse_rule(text)


def test_rules_match_senders_domains_and_companies() -> None:
    solar = mail("SunBright Solar <offers@sunbrightsolar.example>", "Save", "Panels.")
    assert r.matches(r.parse_rule("never show me mail from that solar company"), solar)
    acme = mail("Ann <ann@eu.acme.com>", "Order", "Hi")
    assert r.matches(r.parse_rule("treat anything from acme.com as urgent"), acme)
    assert not r.matches(r.parse_rule("treat anything from acme.com as urgent"),
                         mail("x <x@notacme.com>", "s", "b"))
    bank = mail("Dev <dev@firstharbor.example>", "s", "b")
    assert r.matches(r.parse_rule("put mail from the bank in Finance"), bank,
                     r.SenderInfo(company="First Harbor Bank"))


def _ctx(**extra) -> Context:
    contacts = {"dev.patel@firstharbor.example": KnownSender(
        1, "Dev Patel", "First Harbor Bank", (), ("Jones closing (as lender)",)),
        "alice.jones@example.com": KnownSender(2, "Alice Jones", "", ("vip",))}
    return Context(contacts=contacts, **extra)


def test_categories_from_contacts_lists_and_heuristics() -> None:
    ctx = _ctx()
    loan = screen(mail("Dev Patel <dev.patel@firstharbor.example>", "Loan approval",
                       "The loan is approved. Could you send the addendum by Friday?"), ctx)
    assert loan.category == "needs_reply" and loan.priority == "high"
    assert any("Jones closing" in why for why in loan.reasons)
    assert screen(mail("Alice Jones <alice.jones@example.com>", "Thanks", "Thank you!"),
                  ctx).category == "vip"
    assert screen(mail("News <n@news.example>", "Weekly", "Hi",
                       {"List-Id": "<l.news.example>"}), ctx).category == "newsletter"
    assert screen(mail("Shop <receipts@shop.example>", "Your receipt",
                       "Amount paid: $4.00"), ctx).category == "transactional"
    assert screen(mail("Liam <liam@example.net>", "Viewing", "Could we meet Saturday at "
                       "11am?"), ctx).category == "scheduling_request"
    assert screen(mail("Prize <w@prize.example>", "You have won", "100% free cruise, act "
                       "now, limited time"), ctx).category == "spam"


def test_phishing_spoofing_a_known_contact_beats_the_rules() -> None:
    ctx = _ctx(rules=[r.Rule({"field": "sender", "value": "dev patel"},
                             {"forward": True, "category": "vip"}, "vip dev", 9)])
    verdict = screen(mail("Dev Patel <dev.patel@firstharb0r.example>", "Wire change", "",
                          {"Authentication-Results": "mx; spf=fail smtp.mailfrom=x; dmarc=fail"},
                          html="<p>Please verify your account and wire the funds at "
                               "<a href='http://198.51.100.2/x'>firstharbor.example</a></p>"),
                     ctx)
    assert verdict.category == "phishing" and not verdict.forward
    assert "imitates firstharbor.example" in verdict.reasons[0]
    assert "name of your contact Dev Patel" in verdict.reasons[0]


def test_the_classifier_learns_incrementally_and_round_trips() -> None:
    model = NaiveBayes()
    for i in range(15):
        model.learn(features(mail(f"a{i} <a{i}@deals.example>", f"Hot deal {i}",
                                  "discount coupon sale")), "newsletter")
        model.learn(features(mail(f"b{i} <b{i}@client.example>", f"Question {i}",
                                  "can we discuss the contract")), "needs_reply")
    again = NaiveBayes.loads(model.dumps())
    guess, p = again.predict(features(mail("z <z@deals.example>", "Big sale", "coupon")))
    assert (guess, p > 0.9) == ("newsletter", True) and again.examples == 30
    again.unlearn(features(mail("a0 <a0@deals.example>", "Hot deal 0", "discount coupon sale")),
                  "newsletter")
    assert again.docs["newsletter"] == 14


@pytest.mark.parametrize("fixture", ["injection_plain.eml", "injection_html.eml"])
def test_text_in_a_message_never_adds_recipients_or_actions(fixture) -> None:
    facts = parse((FIXTURES / fixture).read_bytes())
    ctx = _ctx(rules=[r.parse_rule("forward urgent mail to me")])
    verdict = screen(facts, ctx)
    actions = plan(verdict, facts, REF, OFFICE)
    recipients = {a for action in actions for a in action.recipients}
    assert "x@evil.example" not in recipients
    assert recipients <= {"pat@harbourpine.example", facts.from_address}
    assert {a.kind for a in actions} <= {"mail.file", "mail.forward", "mail.draft_reply"}
    for action in actions:
        assert "x@evil.example" not in str(action.data.get("to"))
        assert action.data.get("move_to") in {None, "Junk", "Newsletters", "Receipts"}
