"""Checking that an SMTP server takes our login, without sending anything (for
``righthand mail connect``). Says exactly which step failed."""

from __future__ import annotations

import smtplib
import ssl

from righthand.errors import BadCredentials, ServiceUnavailable


def smtp_login(host: str, port: int | None, security: str, username: str | None,
               password: str | None, timeout: float = 20.0) -> str:
    """Connect, (STARTTLS,) log in and quit; returns the server's greeting."""
    port = port or (465 if security == "ssl" else 587 if security == "starttls" else 25)
    where = f"{host}:{port}"
    step = "connect"
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        step = "EHLO"
        code, greeting = client.ehlo()
        if security == "starttls":
            step = "STARTTLS"
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if username:
            step = "login"
            client.login(username, password or "")
        client.quit()
    except smtplib.SMTPAuthenticationError as exc:
        raise BadCredentials(f"the SMTP server {where} refused the login for {username}") \
            from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise ServiceUnavailable(f"SMTP {where} failed at {step}: {exc}",
                                 hint="Check the host, port and security (starttls on 587, "
                                      "ssl on 465).") from exc
    return f"{code} {greeting.decode('utf-8', 'replace')}"
