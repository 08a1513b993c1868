"""The web console's own settings, read from the environment (see the README's table)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from righthand.errors import BadInput

COOKIE_SECURE_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class WebSettings:
    """Cookies, session lifetimes and the sign-in rate limit."""

    # auto: Secure when the request came over https (uvicorn --proxy-headers behind a TLS proxy)
    cookie_secure: str = "auto"
    session_idle_hours: float = 12.0
    session_max_days: float = 14.0
    login_window_minutes: int = 15
    login_max_failures: int = 5  # per account, within the window
    login_max_failures_per_ip: int = 30
    totp_issuer: str = "Righthand"


def _number(source: Mapping[str, str], key: str, default: float) -> float:
    raw = source.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadInput(f"{key} must be a number, not {raw!r}", hint=f"Unset {key} or fix it.") \
            from None
    if value <= 0:
        raise BadInput(f"{key} must be positive", hint=f"Unset {key} or give a positive number.")
    return value


def load_web_settings(env: Mapping[str, str] | None = None) -> WebSettings:
    """Read RIGHTHAND_COOKIE_SECURE, RIGHTHAND_SESSION_* and RIGHTHAND_LOGIN_*."""
    source = os.environ if env is None else env
    secure = (source.get("RIGHTHAND_COOKIE_SECURE") or "auto").strip().lower()
    secure = {"1": "always", "true": "always", "yes": "always", "0": "never", "false": "never",
              "no": "never"}.get(secure, secure)
    if secure not in COOKIE_SECURE_MODES:
        raise BadInput(f"RIGHTHAND_COOKIE_SECURE must be one of {', '.join(COOKIE_SECURE_MODES)}",
                       hint="Use 'always' behind TLS, 'auto' to follow the request's scheme.")
    return WebSettings(
        cookie_secure=secure,
        session_idle_hours=_number(source, "RIGHTHAND_SESSION_IDLE_HOURS", 12.0),
        session_max_days=_number(source, "RIGHTHAND_SESSION_MAX_DAYS", 14.0),
        login_window_minutes=int(_number(source, "RIGHTHAND_LOGIN_WINDOW_MINUTES", 15)),
        login_max_failures=int(_number(source, "RIGHTHAND_LOGIN_MAX_FAILURES", 5)),
        login_max_failures_per_ip=int(_number(source, "RIGHTHAND_LOGIN_MAX_FAILURES_PER_IP", 30)),
    )
