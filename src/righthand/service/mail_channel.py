"""The email channel: the client writes to the assistant's address and gets the answer by
email, in the same thread.

A stored, unscreened message is a request only when all hold (service/channels.py says how
addresses are verified):

1. it is addressed (To or Cc) to the assistant's address;
2. its From is one of the client's *verified* addresses;
3. the receiving server's topmost Authentication-Results says ``dmarc=pass``, or
   ``dkim=pass`` signed by the From domain -- or the client marked that address
   ``trust_unauthenticated``.

Such a message is claimed (state ``screened``, category ``client_request``) in one
transaction, so it is answered once and never screened; the request goes through
``assistant.ask`` (every action meets the gate) with the conversation ``email:ADDRESS``, and
the answer is queued in the outbox with In-Reply-To and References. Any other message --
including mail that only claims to be from the client -- is left to screening as ordinary mail.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from righthand.service import audit, channels
from righthand.store.tables import MailMessage, Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App

CATEGORY = "client_request"
_RESULT = re.compile(r"\b(dkim|dmarc|spf)\s*=\s*(\w+)([^;]*)", re.I)
_SIGNATURE = re.compile(r"\n--\s*\n.*", re.S)


def authenticated(facts: dict[str, Any], from_address: str) -> bool:
    """The receiving server's verdict: DMARC pass, or DKIM pass for the From domain."""
    top = ((facts.get("headers") or {}).get("authentication-results") or [])[:1]
    domain = from_address.rpartition("@")[2].lower()
    for value in top:
        for method, result, rest in _RESULT.findall(value):
            if result.lower() != "pass":
                continue
            if method.lower() == "dmarc":
                return True
            signer = re.search(r"header\.(?:d|i)\s*=\s*@?([\w.-]+)", rest, re.I)
            if method.lower() == "dkim" and signer and signer.group(1).lower() == domain:
                return True
    return False


def request_text(facts: dict[str, Any], subject: str) -> str:
    """What the client asks: the new text of the message without its signature, else the
    subject."""
    text = _SIGNATURE.sub("", str(facts.get("text") or "")).strip()
    text = re.sub(r"\s+", " ", text)[:1000]
    return text or re.sub(r"^\s*(?:re|fwd?):\s*", "", subject or "", flags=re.I).strip()


def _requests(app: App, workspace_id: int) -> tuple[list[int], str | None]:
    with app.db.unit(workspace_id, write=False) as session:
        ws = session.get(Workspace, workspace_id)
        mine = channels.assistant_address(ws) if ws else None
        if ws is None or not mine:
            return [], None
        verified = channels.verified_emails(session)
        if not verified:
            return [], mine
        ids = list(session.scalars(select(MailMessage.id).where(
            MailMessage.state == "new", MailMessage.from_address.in_(list(verified)))
            .order_by(MailMessage.id)))
        return ids, mine


def answer_requests(app: App, workspace_id: int, dispatch: bool = True) -> list[int]:
    """Answer the client's emailed requests among the stored, unscreened messages; returns
    the reply actions queued."""
    from righthand.service.assistant import ask

    ids, mine = _requests(app, workspace_id)
    replies: list[int] = []
    for message_row_id in ids:
        now = app.clock()
        with app.db.unit(workspace_id) as session:
            row = session.get(MailMessage, message_row_id)
            ws = session.get(Workspace, workspace_id)
            if row is None or ws is None or row.state != "new":
                continue
            facts = row.facts or {}
            sender = row.from_address.lower()
            to = {str(a).lower() for a in [*(facts.get("to") or []), *(facts.get("cc") or [])]}
            if mine not in to:
                continue  # the client's mail to someone else: screened as usual
            who = channels.verified_emails(session).get(sender)
            if who is None:
                continue
            if not (authenticated(facts, sender) or who.trust_unauthenticated):
                audit.append(session, workspace_id, "assistant", "request.unauthenticated",
                             f"message {row.id}", {"from": sender}, at=now)
                continue  # claims to be the client, unproven: screened as ordinary mail
            won = session.execute(update(MailMessage).where(
                MailMessage.id == row.id, MailMessage.state == "new")
                .values(state="screened", screened_at=now, category=CATEGORY,
                        priority="high").execution_options(synchronize_session=False))
            if won.rowcount != 1:  # type: ignore[attr-defined]
                continue
            text, subject = request_text(facts, row.subject), row.subject or ""
            own_id, earlier = row.message_id or "", str(facts.get("in_reply_to") or "")
            slug = ws.slug
            audit.append(session, workspace_id, "client", "request.by_email",
                         f"message {row.id}", {"from": sender}, at=now)
        answer = ask(app, text, slug, actor="client (email)", channel=f"email:{sender}")
        with app.db.unit(workspace_id) as session:
            ws = session.get(Workspace, workspace_id)
            assert ws is not None
            own = own_id if own_id.startswith("<") or not own_id else f"<{own_id}>"
            refs = " ".join(x if x.startswith("<") else f"<{x}>" for x in [earlier] if x)
            headers = {"In-Reply-To": own, "References": f"{refs} {own}".strip()} if own else {}
            headers["Reply-To"] = f"{ws.assistant_name} <{mine}>"  # the thread comes back here
            reply_subject = subject if re.match(r"^\s*re:", subject, re.I) else \
                f"Re: {subject}".strip()
            quoted = "\n".join(f"> {line}" for line in text.splitlines())
            body = f"{answer.answer}\n\n{ws.assistant_name}\n\n{quoted}\n"
            action = channels.send_to_client(session, ws, sender, reply_subject, body, headers,
                                             now, f"Answer to {sender}: {reply_subject}")
            replies.append(action.id)
    if dispatch and replies:
        app.dispatcher().run_once(only=replies)
    return replies
