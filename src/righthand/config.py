"""Settings from the environment; defaults make an embedded install work with no servers."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from righthand.errors import BadInput

MIN_SECRET = 16


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
    caldav_url: str | None = None  # https://user:pass@host/dav/ (two-way calendar sync)
    mail_from: str | None = None
    # The carrier's REST API for text messages (Twilio-compatible), RIGHTHAND_SMS_API_URL.
    sms_api_url: str = "https://api.twilio.com"
    approval_ttl_hours: float = 72.0
    dispatch_max_attempts: int = 8
    dispatch_lease_seconds: int = 120
    # Advisor thresholds overriding policy.advisor.Thresholds, from RIGHTHAND_ADVISOR_<FIELD>.
    advisor: dict[str, float] = field(default_factory=dict)
    # The optional language model: any OpenAI-compatible endpoint (RIGHTHAND_LLM_URL, e.g.
    # https://api.example.com/v1), RIGHTHAND_LLM_MODEL, RIGHTHAND_LLM_KEY, and the per-day token
    # budget of each workspace (RIGHTHAND_LLM_DAILY_TOKENS).
    llm_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_key: str | None = field(default=None, repr=False)
    llm_daily_tokens: int = 50_000
    # RIGHTHAND_SECRET_KEY; when unset, ``secret_key`` is generated once into the data folder.
    secret: str | None = field(default=None, repr=False)

    @cached_property
    def secret_key(self) -> str:
        """The key that signs unsubscribe and confirmation links (read lazily, made once)."""
        if self.secret:
            if len(self.secret) < MIN_SECRET:
                raise BadInput(f"RIGHTHAND_SECRET_KEY is shorter than {MIN_SECRET} characters",
                               hint="Use a long random value, e.g. from `openssl rand -hex 32`.")
            return self.secret
        return load_or_create_secret(self.data_dir / "secret.key")

    @property
    def outgoing_mail_dir(self) -> Path:
        """Where mail is written as .eml files when no SMTP server is configured."""
        return self.data_dir / "outgoing"

    @property
    def queue_path(self) -> Path:
        """The embedded (SqliteHuey) queue file."""
        return self.data_dir / "queue.db"


def load_or_create_secret(path: Path) -> str:
    """The secret stored at ``path`` (mode 0600), created atomically on first use."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)  # fails if another process won the race: use theirs
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
        return _read_secret(path)
    except OSError as exc:
        raise BadInput(f"cannot create the secret key file {path}: {exc.strerror}",
                       hint="Make the data folder writable, or set RIGHTHAND_SECRET_KEY.") from exc


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a key others can read signs links for anyone
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_SECRET:
        raise BadInput(f"the secret key in {path} is too short",
                       hint="Delete the file to have a new one made (old links stop working), "
                            "or set RIGHTHAND_SECRET_KEY to a long random value.")
    return value


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
    try:
        llm_daily = int(source.get("RIGHTHAND_LLM_DAILY_TOKENS", "50000"))
    except ValueError as exc:
        raise BadInput("RIGHTHAND_LLM_DAILY_TOKENS must be a whole number of tokens",
                       hint="Set it to e.g. 50000, or unset it.") from exc
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
        caldav_url=source.get("RIGHTHAND_CALDAV_URL") or None,
        mail_from=source.get("RIGHTHAND_MAIL_FROM") or None,
        sms_api_url=source.get("RIGHTHAND_SMS_API_URL") or "https://api.twilio.com",
        approval_ttl_hours=ttl,
        secret=source.get("RIGHTHAND_SECRET_KEY") or None,
        llm_url=source.get("RIGHTHAND_LLM_URL") or None,
        llm_model=source.get("RIGHTHAND_LLM_MODEL") or "gpt-4o-mini",
        llm_key=source.get("RIGHTHAND_LLM_KEY") or None,
        llm_daily_tokens=llm_daily,
    )
