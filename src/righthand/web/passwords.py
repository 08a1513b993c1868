"""Password hashing with Argon2id (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from righthand.errors import BadInput

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing megabytes of "password" is a denial of service, not security
_current = {"hasher": PasswordHasher()}


def set_cost(*, time_cost: int, memory_cost: int, parallelism: int = 1) -> None:
    """Use other Argon2 parameters (tests make hashing cheap; never lower them in production)."""
    _current["hasher"] = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost,
                                        parallelism=parallelism)
    _dummy_hash.cache_clear()


def check_strength(password: str) -> str:
    """The password, or a clear error when it is too short (or absurdly long)."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"the password is shorter than {MIN_LENGTH} characters",
                       hint="Use a longer passphrase, e.g. four random words.")
    if len(password) > MAX_LENGTH:
        raise BadInput(f"the password is longer than {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (after the strength check)."""
    return _current["hasher"].hash(check_strength(password))


def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored hash."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _current["hasher"].verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _current["hasher"].check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _current["hasher"].hash("righthand-timing-equaliser")


def burn_time(password: str) -> None:
    """Spend what a real check costs, so an unknown username answers no faster."""
    verify_password(_dummy_hash(), password)
