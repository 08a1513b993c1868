"""Testing a connection step by step, to say exactly what failed: the name (DNS), the address
(private addresses need the admin's allow-list), the port (refused, no answer), TLS (handshake,
certificate), then the protocol's own login (IMAP, SMTP, CalDAV, the carrier's REST API, the
language model's API). Nothing is sent or changed: IMAP and SMTP log in and out, CalDAV asks for
the collection's properties, the carrier is asked for the number's settings, the language model
for its model list.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from righthand import netguard

if TYPE_CHECKING:
    import httpx

TIMEOUT = 8.0


@dataclass(frozen=True)
class Check:
    """The outcome of a connection test: which step failed (or ``ok``), in words."""

    ok: bool
    step: str  # ok dns blocked refused timeout connect tls auth protocol config
    message: str
    hint: str = ""
    passed: tuple[str, ...] = ()


class _Failed(Exception):
    def __init__(self, step: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.step, self.message, self.hint = step, message, hint


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Failed("dns", f"the name {host} does not resolve ({exc.strerror})",
                      "Check the server's name for typos; ask the provider for it.") from exc
    found = list(dict.fromkeys(str(i[4][0]) for i in infos))
    allowed = netguard.allowlist()
    if not allowed.host_allowed(host):
        private = [a for a in found if not netguard.public(a) and not allowed.address_allowed(a)]
        if private:
            raise _Failed("blocked", f"{host} is a private address ({private[0]}); Righthand "
                          "connects there only when the administrator allows it",
                          f"The administrator adds it to {netguard.ALLOWLIST_ENV} "
                          f"(e.g. {private[0]}/32).")
    return found


def _connect(host: str, address: str, port: int, tls: bool) -> None:
    where = f"{host}:{port}"
    try:
        sock = socket.create_connection((address, port), timeout=TIMEOUT)
    except ConnectionRefusedError as exc:
        raise _Failed("refused", f"{where} refused the connection (nothing listens on that "
                      "port)", "Check the port number, and that the server is running.") \
            from exc
    except TimeoutError as exc:
        raise _Failed("timeout", f"no answer from {where} within {TIMEOUT:.0f} s",
                      "A firewall may block the port, or the host is down.") from exc
    except OSError as exc:
        raise _Failed("connect", f"cannot reach {where}: {exc.strerror or exc}",
                      "Check the network and the host's address.") from exc
    try:
        if tls:
            _handshake(sock, host, where)
    finally:
        sock.close()


def _handshake(sock: socket.socket, host: str, where: str) -> None:
    context = ssl.create_default_context()
    try:
        context.wrap_socket(sock, server_hostname=host).close()
    except ssl.SSLCertVerificationError as exc:
        raise _Failed("tls", f"the TLS certificate of {where} is not trusted: "
                      f"{exc.verify_message}",
                      "Use the name the certificate was issued for, or fix the certificate.") \
            from exc
    except (ssl.SSLError, OSError) as exc:
        raise _Failed("tls", f"the TLS handshake with {where} failed ({_reason(exc)})",
                      "Is this port really TLS? Usually ssl is port 993 (IMAP) or 465 (SMTP); "
                      "starttls is 143 or 587.") from exc


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc).strip() or type(exc).__name__


def _run(host: str, port: int, tls: bool, login: Callable[[], None],
         success: str = "") -> Check:
    passed: list[str] = []
    try:
        if not host:
            raise _Failed("config", "no server name is set", "Fill in the server's name.")
        addresses = _addresses(host, port)
        passed.append(f"{host} resolves to {', '.join(addresses[:3])}")
        _connect(host, addresses[0], port, tls)
        passed.append(f"port {port} answers" + (" over TLS" if tls else ""))
        login()
    except _Failed as failure:
        return Check(False, failure.step, failure.message, failure.hint, tuple(passed))
    return Check(True, "ok", success or f"{host}:{port} accepted the login", "", tuple(passed))


def _tls_failure(where: str, exc: BaseException) -> _Failed:
    return _Failed("tls", f"TLS with {where} failed ({_reason(exc)})",
                   "Check the security setting (ssl or starttls) for this port.")


def imap(host: str, port: int | None, security: str, username: str, password: str) -> Check:
    """Log in to an IMAP server and out again."""
    port = port or (993 if security == "ssl" else 143)
    where = f"{host}:{port}"

    def login() -> None:
        context = ssl.create_default_context()
        try:
            client = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT) \
                if security == "ssl" else imaplib.IMAP4(host, port, timeout=TIMEOUT)
            if security == "starttls":
                client.starttls(ssl_context=context)
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise _tls_failure(where, exc) from exc
        except (imaplib.IMAP4.error, OSError) as exc:
            raise _Failed("protocol", f"{where} does not speak IMAP as expected "
                          f"({_reason(exc)})", "Is this the IMAP port?") from exc
        try:
            client.login(username, password)
        except imaplib.IMAP4.error as exc:
            raise _Failed("auth", f"{where} refused the login for {username}",
                          "Check the user name and password (some providers need an app "
                          "password).") from exc
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    return _run(host, port, security == "ssl", login)


def smtp(host: str, port: int | None, security: str, username: str, password: str) -> Check:
    """Greet an SMTP server, (STARTTLS,) log in and quit -- no mail is sent."""
    port = port or (465 if security == "ssl" else 587 if security == "starttls" else 25)
    where = f"{host}:{port}"

    def login() -> None:
        context = ssl.create_default_context()
        try:
            client = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context) \
                if security == "ssl" else smtplib.SMTP(host, port, timeout=TIMEOUT)
            client.ehlo()
            if security == "starttls":
                client.starttls(context=context)
                client.ehlo()
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise _tls_failure(where, exc) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise _Failed("tls", f"{where} does not offer STARTTLS",
                          "Use ssl (port 465), or ask the provider.") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _Failed("protocol", f"{where} does not speak SMTP as expected "
                          f"({_reason(exc)})", "Is this the SMTP port?") from exc
        try:
            if username:
                client.login(username, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise _Failed("auth", f"{where} refused the login for {username}",
                          "Check the user name and password.") from exc
        except smtplib.SMTPException as exc:
            raise _Failed("auth", f"{where} would not log in {username}: {_reason(exc)}",
                          "The server may need STARTTLS before it offers a login.") from exc
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()

    return _run(host, port, security == "ssl", login)


def _web_address(address: str, typed: str, hint: str) -> tuple[httpx.URL, int] | Check:
    """``address`` parsed as an http(s) URL with its port, or the settings failure that says
    ``typed`` (what the user or administrator wrote) is not one."""
    import httpx

    parts = httpx.URL(address) if address else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.host:
        return Check(False, "config", f"{typed!r} is not an http(s) address", hint)
    return parts, parts.port or (443 if parts.scheme == "https" else 80)


def caldav(url: str, username: str, password: str) -> Check:
    """PROPFIND the collection (depth 0) with the credentials."""
    import httpx

    where = _web_address(url, url, "Give the calendar's address, e.g. "
                                   "https://dav.example.com/cal/pat/.")
    if isinstance(where, Check):
        return where
    parts, port = where

    def login() -> None:
        headers = {"Depth": "0", "Content-Type": "application/xml"}
        if username:
            token = base64.b64encode(f"{username}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            answer = httpx.request("PROPFIND", url, headers=headers, timeout=TIMEOUT,
                                   content=b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:">'
                                           b"<d:prop><d:resourcetype/></d:prop></d:propfind>")
        except httpx.HTTPError as exc:
            raise _Failed("protocol", f"{parts.host} did not answer HTTP ({_reason(exc)})",
                          "Check the address.") from exc
        if answer.status_code in (401, 403):
            raise _Failed("auth", f"{parts.host} refused the login for {username or 'nobody'}"
                          f" ({answer.status_code})", "Check the user name and password.")
        if answer.status_code == 404:
            raise _Failed("protocol", f"there is no calendar at {parts.path} on {parts.host}",
                          "Check the path of the calendar's address.")
        if answer.status_code != 207:
            raise _Failed("protocol", f"{parts.host} answered {answer.status_code}, not "
                          "WebDAV (207)", "Is this a CalDAV address?")

    return _run(parts.host, port, parts.scheme == "https", login)


def maildir(path: str) -> Check:
    """A local Maildir: the folder exists and has cur/new/tmp."""
    folder = Path(path)
    missing = [p for p in ("cur", "new", "tmp") if not (folder / p).is_dir()]
    if not folder.is_dir() or missing:
        return Check(False, "config", f"{path} is not a Maildir (missing "
                     f"{', '.join(missing) or 'the folder'})",
                     "Give the folder that holds cur/, new/ and tmp/.")
    return Check(True, "ok", f"the Maildir {path} is readable")


def language_model(url: str, model: str, key: str) -> Check:
    """An OpenAI-compatible endpoint: the name, the port, TLS, then ``GET .../models`` with the
    key (free: no tokens are spent) and whether ``model`` is offered."""
    import httpx

    base = url.strip().rstrip("/").removesuffix("/chat/completions")
    where = _web_address(base, url, "Give the endpoint's base address, e.g. "
                                    "https://api.example.com/v1.")
    if isinstance(where, Check):
        return where
    parts, port = where

    def login() -> None:
        headers = {"Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        try:
            answer = httpx.get(f"{base}/models", headers=headers, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            raise _Failed("protocol", f"{parts.host} did not answer HTTP ({_reason(exc)})",
                          "Check the address.") from exc
        if answer.status_code in (401, 403):
            raise _Failed("auth", f"{parts.host} refused the key ({answer.status_code})",
                          "Check RIGHTHAND_LLM_KEY.")
        if answer.status_code == 404:
            return  # no model list here: the key is checked on first use
        if answer.status_code != 200:
            raise _Failed("protocol", f"{parts.host} answered {answer.status_code} to "
                          f"{parts.path.rstrip('/')}/models", "Is this the API's base address?")
        try:
            offered = {str(m.get("id")) for m in answer.json().get("data") or []}
        except (ValueError, AttributeError) as exc:
            raise _Failed("protocol", f"{parts.host} did not answer with a model list",
                          "Is this an OpenAI-compatible endpoint?") from exc
        if offered and model not in offered:
            raise _Failed("config", f"{parts.host} does not offer the model {model}",
                          "Set RIGHTHAND_LLM_MODEL to one of: "
                          + ", ".join(sorted(offered)[:8]) + ".")

    return _run(parts.host, port, parts.scheme == "https", login)


def carrier(api_url: str, account_sid: str, auth_token: str, number: str,
            hook_path: str) -> Check:
    """A Twilio-compatible carrier: the name, the port, TLS, then ``GET .../Accounts/{sid}/
    IncomingPhoneNumbers.json?PhoneNumber=...`` with the account's credentials (read-only) --
    the account and token work, the number is on the account, and the carrier sends its calls
    to ``hook_path`` (the public address in front of it is the administrator's)."""
    import httpx

    base = api_url.strip().rstrip("/")
    where = _web_address(base, api_url, "The administrator sets RIGHTHAND_SMS_API_URL "
                                        "(default https://api.twilio.com).")
    if isinstance(where, Check):
        return where
    parts, port = where
    if not account_sid:
        return Check(False, "config", "the carrier's Account SID is missing, so the carrier "
                     "cannot be asked about the number",
                     "Copy the Account SID (AC...) from the carrier's console.")

    def login() -> None:
        url = f"{base}/2010-04-01/Accounts/{quote(account_sid, safe='')}/" \
              "IncomingPhoneNumbers.json"
        try:
            answer = httpx.get(url, params={"PhoneNumber": number}, timeout=TIMEOUT,
                               auth=(account_sid, auth_token), trust_env=False,
                               headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise _Failed("protocol", f"{parts.host} did not answer HTTP ({_reason(exc)})",
                          "Check RIGHTHAND_SMS_API_URL.") from exc
        if answer.status_code in (401, 403):
            raise _Failed("auth", f"{parts.host} refused the Account SID {account_sid} with "
                          f"this auth token ({answer.status_code})",
                          "Copy both again from the carrier's console (the token, not an API "
                          "key secret).")
        if answer.status_code == 404:
            raise _Failed("auth", f"{parts.host} has no account {account_sid}",
                          "Check the Account SID (it starts with AC).")
        if answer.status_code != 200:
            raise _Failed("protocol", f"{parts.host} answered {answer.status_code}, not the "
                          "number's settings", "Is RIGHTHAND_SMS_API_URL a Twilio-compatible "
                          "API?")
        try:
            numbers = answer.json().get("incoming_phone_numbers")
            owned = [n for n in numbers or [] if n.get("phone_number") == number]
        except (ValueError, AttributeError, TypeError) as exc:
            raise _Failed("protocol", f"{parts.host} did not answer with a number list",
                          "Is RIGHTHAND_SMS_API_URL a Twilio-compatible API?") from exc
        if not owned:
            raise _Failed("config", f"{number} is not a number of the account {account_sid}",
                          "Check the number, or the account it was bought on.")
        voice_url = str(owned[0].get("voice_url") or "")
        if not urlsplit(voice_url).path.rstrip("/").endswith(hook_path):
            where = f"to {voice_url}" if voice_url else "nowhere"
            raise _Failed("config", f"the carrier sends calls to {number} {where}, not to "
                          "Righthand", f"In the carrier's console, set the number's voice "
                          f"webhook (HTTP POST) to your public address + {hook_path}.")

    return _run(parts.host, port, parts.scheme == "https", login,
                f"{parts.host} knows {number} on the account {account_sid} and sends its calls "
                "to Righthand")
