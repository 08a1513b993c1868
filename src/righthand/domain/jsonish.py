"""Canonical JSON for hashing payloads: the same data always gives the same bytes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

JSONValue = Any


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(value: JSONValue) -> str:
    """Serialise with sorted keys and no whitespace, so equal data hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default)


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def freeze(value: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """A deep, JSON-normalised copy (tuples become lists, Decimals strings)."""
    result: dict[str, JSONValue] = json.loads(canonical_json(dict(value)))
    return result
