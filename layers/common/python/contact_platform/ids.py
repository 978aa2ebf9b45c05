"""Prefixed identifiers (`con_`, `usr_`, `key_`, `op_`, ...): 20 base62 characters after the prefix,
random (`new_id`), derived from a seed (`derived_id`) or stamped with a moment (`timed_id`), so that
every kind looks the same."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import UTC, datetime, timedelta

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 20  # 62**20 ~ 2**119: collisions are not a concern
_SPACE = len(_ALPHABET) ** _LENGTH
_MOMENT_LENGTH = 8  # milliseconds since 1970 in 8 base62 characters (62**8 ms: about 6,900 years)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_id(prefix: str) -> str:
    """Uniform over every 20-character string: one draw of a number below 62**20 (20 draws of a
    character cost 20 reads of the system's randomness)."""
    return f"{prefix}_" + _base62(secrets.randbelow(_SPACE), _LENGTH)


def _base62(number: int, length: int) -> str:
    characters = []
    for _ in range(length):
        number, digit = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return "".join(characters)


def timed_id(prefix: str, at: datetime, seed: str | None = None) -> str:
    """A random ID that also tells the millisecond it was made at (`moment_of`): audit entries and
    the events they carry are found by ID through their time-ordered index key. With a `seed` the
    rest is derived from it, so that writing the same entry again makes the same item."""
    milliseconds = (at - _EPOCH) // timedelta(milliseconds=1)
    rest = new_id("") if seed is None else derived_id("", seed)
    return f"{prefix}_" + _base62(milliseconds, _MOMENT_LENGTH) + rest[1 + _MOMENT_LENGTH :]


def moment_of(identifier: str) -> datetime | None:
    """The millisecond a `timed_id` was made at; None for a string that is no such ID."""
    _, _, body = identifier.partition("_")
    if len(body) != _LENGTH or any(character not in _ALPHABET for character in body):
        return None
    milliseconds = sum(_ALPHABET.index(c) * len(_ALPHABET) ** i for i, c in enumerate(body[:_MOMENT_LENGTH]))
    try:
        return _EPOCH + timedelta(milliseconds=milliseconds)
    except OverflowError:
        return None


def derived_id(prefix: str, seed: str) -> str:
    """The same seed always gives the same ID (for example operation and row, for idempotent job
    chunks): SHA-256 of the seed, written in the alphabet and length of `new_id`."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return f"{prefix}_" + _base62(number, _LENGTH)
