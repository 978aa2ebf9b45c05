"""Prefixed random identifiers (`con_`, `usr_`, `key_`, ...)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 20  # 62**20 ~ 2**119: collisions are not a concern


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
