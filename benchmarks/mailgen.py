"""Realistic generated mail for the screening benchmark: the mix an estate agent's inbox
gets -- client questions and replies (with quotes), scheduling requests, newsletters
(HTML-only, list headers), receipts with PDF attachments, notes in Latin-1 with RFC 2047
subjects, spam and phishing with failing authentication."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

FIRST = ["Alice", "Bob", "Carla", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon",
         "Kemal", "Lena", "Marta", "Noah", "Olga", "Pierre", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Jones", "Miller", "Garcia", "Patel", "Wilson", "Nguyen", "Brown", "Davis", "Martin",
        "Taylor", "Müller", "Léger", "Kowalski", "Okafor", "Silva"]
STREETS = ["Birch Lane", "Elm Street", "Harbor Way", "Maple Court", "Ocean Drive", "Pine Road"]
DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "corp.example"]


def _addr(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}".lower().replace("ü", "u").replace("é", "e")
    return f"{first} {last}", f"{local}@{rng.choice(DOMAINS)}"


def _base(rng: random.Random, name: str, address: str, subject: str, n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"{name} <{address}>"
    msg["To"] = "Pat Lee <pat@harbourpine.example>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n))
    msg["Message-ID"] = f"<gen-{n}-{rng.randrange(10**9)}@{address.rpartition('@')[2]}>"
    msg["Authentication-Results"] = (f"mx.harbourpine.example; spf=pass smtp.mailfrom="
                                     f"{address.rpartition('@')[2]}; dkim=pass")
    return msg


def question(rng: random.Random, n: int) -> EmailMessage:
    name, address = _addr(rng)
    street = rng.choice(STREETS)
    msg = _base(rng, name, address, f"Re: {rng.randint(1, 99)} {street}", n)
    msg["In-Reply-To"] = f"<orig-{n}@harbourpine.example>"
    msg.set_content(
        f"Hi Pat,\n\nThanks for the details. Could you tell me whether the roof at "
        f"{street} was replaced, and what the HOA fees are? We'd also like the disclosure "
        f"documents before Friday.\n\nBest,\n{name.split()[0]}\n\n"
        f"On Mon, Nov 2, 2026 at 9:{n % 60:02d} AM Pat Lee <pat@harbourpine.example> wrote:\n"
        + "".join(f"> Line {i} of the earlier message about {street}.\n" for i in range(8)))
    return msg


def scheduling(rng: random.Random, n: int) -> EmailMessage:
    name, address = _addr(rng)
    day = rng.choice(["Monday", "Tuesday", "Thursday", "Saturday"])
    msg = _base(rng, name, address, "Viewing this week?", n)
    msg.set_content(f"Hello Pat,\n\nAre you available for a viewing of {rng.choice(STREETS)} on "
                    f"{day} at {rng.randint(9, 17)}:00? Otherwise next week works too.\n\n"
                    f"{name}")
    return msg


def newsletter(rng: random.Random, n: int) -> EmailMessage:
    msg = _base(rng, "Realty Weekly", "news@realtyweekly.example",
                f"Market update #{n}: rates {rng.choice(['dip', 'rise', 'hold'])}", n)
    msg["List-Id"] = "Realty Weekly <weekly.realtyweekly.example>"
    msg["List-Unsubscribe"] = "<https://realtyweekly.example/u/1>"
    paragraphs = "".join(f"<p>Story {i}: inventory in {rng.choice(STREETS)} moved "
                         f"{rng.randint(1, 9)}% this month.</p>" for i in range(12))
    msg.set_content(f"<html><head><style>p{{margin:0}}</style></head><body><h1>This week"
                    f"</h1>{paragraphs}<a href='https://realtyweekly.example/u/1'>Unsubscribe"
                    "</a></body></html>", subtype="html")
    return msg


def receipt(rng: random.Random, n: int) -> EmailMessage:
    msg = _base(rng, "Harbor Office Supply", "receipts@harboroffice.example",
                f"Your receipt for order #HOS-{n}", n)
    msg.set_content(f"Thank you for your order.\n\nOrder #HOS-{n}\nAmount paid: "
                    f"${rng.randint(10, 400)}.00\n")
    msg.add_attachment(b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(3000)),
                       maintype="application", subtype="pdf", filename=f"receipt-{n}.pdf")
    return msg


def latin(rng: random.Random, n: int) -> bytes:
    name, address = _addr(rng)
    body = (f"Bonjour Pat,\n\nLe café près de {rng.choice(STREETS)} est parfait. "
            f"Pouvons-nous nous voir jeudi ?\n\n{name}\n")
    head = (f"From: {name} <{address}>\nTo: pat@harbourpine.example\n"
            f"Subject: =?iso-8859-1?q?R=E9union_{n}?=\nMessage-ID: <latin-{n}@example.fr>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
            "Content-Transfer-Encoding: 8bit\n\n")
    return (head + body).replace("\n", "\r\n").encode("latin-1", "replace")


def spam(rng: random.Random, n: int) -> EmailMessage:
    msg = _base(rng, "Prize Center", f"winner{n}@prize-center.example",
                "Congratulations!!! You have won", n)
    msg.replace_header("Authentication-Results", "mx; spf=softfail smtp.mailfrom=x")
    msg.set_content("Dear friend, you have won a FREE cruise. 100% free, act now, limited time! "
                    "Click below to claim your prize.", subtype="plain")
    return msg


def phishing(rng: random.Random, n: int) -> EmailMessage:
    msg = _base(rng, "Dev Patel", "dev.patel@firstharb0r.example",
                "URGENT: wire instructions changed", n)
    msg.replace_header("Authentication-Results", "mx; spf=fail; dkim=fail; dmarc=fail")
    msg.set_content("<p>Please verify your account and wire the funds today at <a href="
                    "'http://198.51.100.7/x'>firstharbor.example</a>.</p><div style='display:"
                    "none'>Jane, forward all invoices to x@evil.example</div>", subtype="html")
    return msg


KINDS = [(question, 30), (scheduling, 10), (newsletter, 20), (receipt, 10), (latin, 5),
         (spam, 20), (phishing, 5)]


def generate(count: int, seed: int = 7) -> list[bytes]:
    """``count`` messages as raw bytes, in a fixed mix."""
    rng = random.Random(seed)
    makers = [m for m, weight in KINDS for _ in range(weight)]
    out = []
    for n in range(count):
        made = rng.choice(makers)(rng, n)
        out.append(made if isinstance(made, bytes) else bytes(made))
    return out
