"""Prefixed identifiers (`con_`, `usr_`, `key_`, `op_`, ...): 20 base62 characters after the prefix,
random (`new_id`) or derived from a seed (`derived_id`), so that both kinds look the same."""

from __future__ import annotations

import hashlib
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 20  # 62**20 ~ 2**119: collisions are not a concern


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def derived_id(prefix: str, seed: str) -> str:
    """The same seed always gives the same ID (for example operation and row, for idempotent job
    chunks): SHA-256 of the seed, written in the alphabet and length of `new_id`."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    characters = []
    for _ in range(_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(characters)
