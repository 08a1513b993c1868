"""Settings from the environment; defaults make an embedded install work with no servers."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from righthand.errors import BadInput


def _data_dir() -> Path:
    explicit = os.environ.get("RIGHTHAND_HOME")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("righthand", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one installation."""

    data_dir: Path
    database_url: str
    redis_url: str | None = None
    smtp_url: str | None = None  # smtp://user:pass@host:port (smtps:// for implicit TLS)
    mail_from: str | None = None
    approval_ttl_hours: float = 72.0
    dispatch_max_attempts: int = 8
    dispatch_lease_seconds: int = 120
    # Advisor thresholds overriding policy.advisor.Thresholds, from RIGHTHAND_ADVISOR_<FIELD>.
    advisor: dict[str, float] = field(default_factory=dict)

    @property
    def outgoing_mail_dir(self) -> Path:
        """Where mail is written as .eml files when no SMTP server is configured."""
        return self.data_dir / "outgoing"

    @property
    def queue_path(self) -> Path:
        """The embedded (SqliteHuey) queue file."""
        return self.data_dir / "queue.db"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    source = os.environ if env is None else env
    data_dir = Path(source["RIGHTHAND_HOME"]).expanduser() if "RIGHTHAND_HOME" in source \
        else _data_dir()
    database_url = source.get("RIGHTHAND_DATABASE_URL") or f"sqlite:///{data_dir / 'righthand.db'}"
    try:
        ttl = float(source.get("RIGHTHAND_APPROVAL_TTL_HOURS", "72"))
    except ValueError as exc:
        raise BadInput("RIGHTHAND_APPROVAL_TTL_HOURS must be a number of hours",
                       hint="Set it to e.g. 72, or unset it.") from exc
    advisor: dict[str, float] = {}
    for key, value in source.items():
        if key.startswith("RIGHTHAND_ADVISOR_"):
            name = key.removeprefix("RIGHTHAND_ADVISOR_").lower()
            try:
                advisor[name] = float(value)
            except ValueError as exc:
                raise BadInput(f"{key} must be a number, not {value!r}") from exc
    return Settings(
        data_dir=data_dir,
        advisor=advisor,
        database_url=database_url,
        redis_url=source.get("RIGHTHAND_REDIS_URL") or None,
        smtp_url=source.get("RIGHTHAND_SMTP_URL") or None,
        mail_from=source.get("RIGHTHAND_MAIL_FROM") or None,
        approval_ttl_hours=ttl,
    )
