"""Optional second factor: time-based one-time codes (RFC 6238) with pyotp."""

from __future__ import annotations

from datetime import datetime

import pyotp

STEP_SECONDS = 30


def new_secret() -> str:
    """A fresh base32 secret."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app imports."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (one step of clock drift either way), or None.

    A step at or before ``last_step`` was used already: refusing it stops a replayed code.
    """
    cleaned = "".join(ch for ch in code if ch.isdigit())
    if len(cleaned) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), cleaned):
            return step
    return None
