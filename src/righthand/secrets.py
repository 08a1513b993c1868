"""Credentials at rest: sealed with Fernet (MultiFernet for rotation), keys kept out of the DB.

Where the key comes from, first found wins:

1. ``RIGHTHAND_SECRET_KEY`` — the key is derived from it with HKDF (the same secret signs
   links; the derivation uses its own label, so the two uses never share a key). Earlier
   values, after a change, go in ``RIGHTHAND_SECRET_KEY_OLD`` (comma separated) until
   ``righthand secrets rotate`` has re-sealed everything.
2. The system keyring (the ``keyring`` package, when installed with a working backend).
3. ``credentials.key`` in the data folder (mode 0600): Fernet keys, newest first.

A sealed value is ``rh1:`` + a Fernet token. Values without the prefix are read as they are
(plaintext written before migration ``0010_secrets``; that migration and ``secrets rotate``
seal them). Keys are never logged, shown in a repr or written to an export.
"""

from __future__ import annotations

import base64
import os
import secrets as std_secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from righthand.errors import BadInput, NotConfigured

if TYPE_CHECKING:
    from righthand.config import Settings

PREFIX = "rh1:"
KEY_FILE = "credentials.key"
KEYRING_SERVICE = "righthand-credentials"
_HKDF_INFO = b"righthand credentials v1"


@dataclass(frozen=True)
class Keyring:
    """Fernet keys, newest (the one that seals) first; ``source`` says where they came from."""

    keys: tuple[bytes, ...] = field(repr=False)
    source: str = "file"
    path: Path | None = None

    def __post_init__(self) -> None:
        if not self.keys:
            raise NotConfigured("no credential key is available",
                                hint="Set RIGHTHAND_SECRET_KEY or make the data folder "
                                     "writable so that a key file can be made.")

    def _fernet(self) -> Any:
        from cryptography.fernet import Fernet, MultiFernet

        return MultiFernet([Fernet(key) for key in self.keys])

    def seal(self, plain: str) -> str:
        """``plain`` sealed with the newest key."""
        token: bytes = self._fernet().encrypt(plain.encode("utf-8"))
        return PREFIX + token.decode("ascii")

    def open(self, value: str) -> str:
        """The plaintext of a sealed value (plaintext from before sealing passes through)."""
        if not is_sealed(value):
            return value
        from cryptography.fernet import InvalidToken

        try:
            plain: bytes = self._fernet().decrypt(value[len(PREFIX):].encode("ascii"))
            return plain.decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise NotConfigured(
                "a stored credential cannot be decrypted with the configured key",
                hint="Set the key it was sealed with (RIGHTHAND_SECRET_KEY, or put the old key "
                     "in RIGHTHAND_SECRET_KEY_OLD), or enter the password again.") from exc

    def reseal(self, value: str) -> str:
        """``value`` (sealed with any known key, or plaintext) sealed with the newest key."""
        return self.seal(self.open(value))


def is_sealed(value: str | None) -> bool:
    """True when ``value`` is a sealed credential."""
    return bool(value) and str(value).startswith(PREFIX)


def new_key() -> bytes:
    """A fresh random Fernet key."""
    return base64.urlsafe_b64encode(std_secrets.token_bytes(32))


def derive_key(secret: str) -> bytes:
    """The Fernet key derived from a secret string (HKDF-SHA256, a label of its own)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=_HKDF_INFO).derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def _keyring_backend() -> Any:
    """The system keyring module when one with a real backend is installed, else None."""
    if os.environ.get("RIGHTHAND_NO_KEYRING"):
        return None
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
        from keyring.backends import fail  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    return None if isinstance(backend, fail.Keyring) else keyring


def _parse_keys(text: str) -> tuple[bytes, ...]:
    return tuple(line.strip().encode("ascii") for line in text.splitlines() if line.strip())


def read_key_file(path: Path) -> tuple[bytes, ...]:
    """The keys in ``path`` (newest first); empty when there is no file."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return _parse_keys(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        return ()


def write_key_file(path: Path, keys: Iterable[bytes]) -> None:
    """Replace ``path`` atomically with ``keys`` (mode 0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{std_secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write("".join(key.decode("ascii") + "\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load(settings: Settings, *, create: bool = True) -> Keyring:
    """The installation's keyring (see the module docstring for the order of sources)."""
    if settings.secret:
        old = [v.strip() for v in os.environ.get("RIGHTHAND_SECRET_KEY_OLD", "").split(",")
               if v.strip()]
        return Keyring(tuple(derive_key(s) for s in [settings.secret, *old]), "environment")
    store = _keyring_backend()
    if store is not None:
        user = str(settings.data_dir)
        stored = store.get_password(KEYRING_SERVICE, user)
        if not stored and create:
            stored = new_key().decode("ascii")
            store.set_password(KEYRING_SERVICE, user, stored)
        if stored:
            return Keyring(_parse_keys(stored.replace(",", "\n")), "keyring")
    path = settings.data_dir / KEY_FILE
    keys = read_key_file(path)
    if not keys and create:
        try:
            write_key_file(path, [new_key()])
        except OSError as exc:
            raise BadInput(f"cannot create the credential key file {path}: {exc.strerror}",
                           hint="Make the data folder writable, or set "
                                "RIGHTHAND_SECRET_KEY.") from exc
        keys = read_key_file(path)
    return Keyring(keys, "file", path)


# -- the keyring the store uses ----------------------------------------------------------------
# Installed by bootstrap.build; sealed columns (store.tables.base.Sealed) read it. Keys of
# earlier installs in this process stay usable for opening (never for sealing), so a process
# that serves two installations (the tests) can read both.
@dataclass
class _Holder:
    active: Keyring | None = None
    pending: Settings | None = None
    loaded_for: Settings | None = None
    known: list[bytes] = field(default_factory=list)


_held = _Holder()


def use_settings(settings: Settings) -> None:
    """Load the keyring of ``settings`` when a credential is first sealed or opened (lazily,
    so commands that touch no credential import no cryptography and create no key)."""
    if _held.active is not None and _held.loaded_for == settings:
        return
    _held.pending, _held.active = settings, None


def install(keyring: Keyring) -> Keyring:
    """Make ``keyring`` the one sealed columns use from now on."""
    _held.pending = _held.loaded_for = None
    for key in keyring.keys:
        if key not in _held.known:
            _held.known.append(key)
    _held.active = keyring
    return keyring


def active() -> Keyring:
    """The installed keyring (loaded from the pending or the environment's settings)."""
    if _held.active is None:
        if _held.pending is not None:
            wanted = _held.pending
            install(load(wanted))
            _held.loaded_for = wanted
        else:
            from righthand.config import load_settings

            install(load(load_settings()))
    assert _held.active is not None
    return _held.active


def opener() -> Keyring:
    """The active keyring plus every key seen in this process, for opening only."""
    current = active()
    extra = tuple(k for k in _held.known if k not in current.keys)
    return Keyring(current.keys + extra, current.source, current.path) if extra else current


def seal_value(value: str | None) -> str | None:
    """Seal ``value`` with the active key (None and already sealed values unchanged)."""
    if value is None or is_sealed(value):
        return value
    return active().seal(value)


def open_value(value: str | None) -> str | None:
    """The plaintext of a stored value (None unchanged)."""
    return None if value is None else opener().open(value)
