"""Builds the email a mail action sends. The Message-ID derives from the idempotency key, so
a message and any re-send of it carry the same ID (receivers and tests can spot duplicates)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from righthand.errors import BadInput


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the outbox entry with ``idempotency_key``."""
    return f"<{idempotency_key}@{domain}>"


def build(payload: Mapping[str, Any], *, sender_name: str, sender_address: str,
          idempotency_key: str, now: datetime) -> EmailMessage:
    """An RFC 5322 message for a mail action's payload."""
    recipients = payload.get("to") or [{"address": a} for a in payload.get("recipients", [])]
    if not recipients:
        raise BadInput("the mail action has no recipients")
    msg = EmailMessage()
    domain = sender_address.rpartition("@")[2] or "righthand.local"
    msg["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    msg["To"] = [Address(display_name=str(r.get("name") or ""), addr_spec=str(r["address"]))
                 for r in recipients]
    msg["Subject"] = str(payload.get("subject") or "(no subject)")
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(idempotency_key, domain)
    msg["X-Righthand-Action"] = idempotency_key
    for name, value in (payload.get("headers") or {}).items():
        msg[str(name)] = str(value)
    msg.set_content(str(payload.get("body") or ""))
    if payload.get("html"):
        msg.add_alternative(str(payload["html"]), subtype="html")
    calendar = payload.get("calendar")
    if calendar:
        # iMIP (RFC 6047): the iTIP object as a text/calendar alternative carrying its METHOD
        # (what Gmail, Outlook and Apple Calendar act on), and the same as an .ics attachment.
        method = str(calendar.get("method") or "REQUEST").upper()
        ics = str(calendar["ics"])
        msg.add_alternative(ics, subtype="calendar", params={"method": method})
        msg.add_attachment(ics.encode("utf-8"), maintype="application", subtype="ics",
                           filename="invite.ics" if method != "CANCEL" else "cancel.ics")
    for attachment in payload.get("attachments") or []:
        # Attachments travel inside the payload, so the approval's hash covers their bytes.
        maintype, _, subtype = str(attachment.get("content_type", "application/octet-stream")) \
            .partition("/")
        try:
            data = base64.b64decode(str(attachment["data_b64"]), validate=True)
        except (KeyError, binascii.Error) as exc:
            raise BadInput(f"attachment {attachment.get('filename')!r} is not valid base64") \
                from exc
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                           filename=str(attachment.get("filename") or "attachment"))
    return msg


def attachment(filename: str, content_type: str, data: bytes) -> dict[str, str]:
    """The payload form of an attachment (for duties that propose mail with files)."""
    return {"filename": filename, "content_type": content_type,
            "data_b64": base64.b64encode(data).decode("ascii")}
