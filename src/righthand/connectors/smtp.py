"""SMTP delivery (smtplib), with the failure phase made explicit.

Errors before the message body is handed over are safe to retry. A broken connection while
waiting for the server's answer to the body is *uncertain*: the server may have kept the
message, so it is reported as :class:`DeliveryUncertain` and never retried automatically.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

from righthand.errors import (
    BadCredentials,
    BadInput,
    DeliveryRefused,
    DeliveryUncertain,
    ServiceUnavailable,
)


class SmtpSession:
    """One SMTP connection; sends messages one transaction each."""

    def __init__(self, client: smtplib.SMTP) -> None:
        self._client = client

    def send(self, message: EmailMessage) -> str:
        """Send ``message`` to its To/Cc/Bcc recipients."""
        sender = getaddresses([str(message.get("Sender") or message["From"])])[0][1]
        recipients = [a for _, a in getaddresses(
            [str(v) for h in ("To", "Cc", "Bcc") for v in message.get_all(h, [])])]
        if not recipients:
            raise DeliveryRefused("the message has no recipients")
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        client = self._client
        try:
            code, resp = client.mail(sender)
            if code != 250:
                raise _refusal(code, resp, "MAIL FROM")
            accepted = 0
            for rcpt in recipients:
                code, resp = client.rcpt(rcpt)
                if code in (250, 251):
                    accepted += 1
                elif code >= 500 and len(recipients) == 1:
                    raise _refusal(code, resp, f"RCPT TO {rcpt}")
            if not accepted:
                client.rset()
                raise ServiceUnavailable("the server accepted none of the recipients for now")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ServiceUnavailable(f"SMTP connection lost before the message was sent: {exc}",
                                     hint="It will be retried; nothing was sent.") from exc
        try:
            code, resp = client.data(raw)
        except smtplib.SMTPDataError as exc:
            raise _refusal(exc.smtp_code, exc.smtp_error, "DATA") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise DeliveryUncertain(f"the connection broke while the server was taking the "
                                    f"message: {exc}") from exc
        if code != 250:
            raise _refusal(code, resp, "DATA")
        return resp.decode("utf-8", "replace")


def _refusal(code: int, resp: bytes | str, phase: str) -> Exception:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    if 400 <= code < 500:
        return ServiceUnavailable(f"the mail server said {code} {text} at {phase}")
    return DeliveryRefused(f"the mail server refused at {phase}: {code} {text}")


class SmtpSender:
    """Opens SMTP sessions to ``smtp://user:pass@host:port`` (``smtps://`` for implicit TLS;
    ``?starttls=1`` to require STARTTLS)."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise BadInput(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}",
                           hint="Use smtp://user:password@host:587?starttls=1 or "
                                "smtps://host:465.")
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = "starttls=1" in (parts.query or "")
        self.user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSender({self.host}:{self.port}, user={self.user!r})"

    @contextmanager
    def open(self) -> Iterator[SmtpSession]:
        """Connect (TLS as configured), log in, and yield a session."""
        try:
            if self.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout,
                    context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                client.ehlo()
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
            if self.user:
                client.login(self.user, self._password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise BadCredentials(f"the mail server at {self.host} refused the login "
                                 f"for {self.user}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise ServiceUnavailable(f"cannot connect to the mail server {self.host}:{self.port}:"
                                     f" {exc}") from exc
        try:
            yield SmtpSession(client)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
