"""The test process's dev issuer (services/dev_issuer.py): a key pair made once per process, and
tokens made by hand for the negative cases (another key, another algorithm, missing claims)."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

import jwt

from contact_platform import config

ISSUER = "https://issuer.test.example"
AUDIENCE = "contact-data-platform"


@cache
def private_key_pem() -> str:
    from contact_platform.services.dev_issuer import new_private_key_pem

    return new_private_key_pem()


def jwks_data_url(document: dict[str, Any]) -> str:
    return "data:application/json;base64," + base64.b64encode(json.dumps(document).encode()).decode()


def issuer_environment() -> dict[str, str]:
    from contact_platform.services import dev_issuer

    pem = private_key_pem()
    return {
        config.ENV_DEV_ISSUER_KEY: pem,
        config.ENV_JWT_ISSUER: ISSUER,
        config.ENV_JWT_AUDIENCE: AUDIENCE,
        config.ENV_JWT_JWKS_URL: jwks_data_url({"keys": [dev_issuer._signing_key(pem)[2]]}),
    }


def kid() -> str:
    from contact_platform.services import dev_issuer

    return dev_issuer._signing_key(private_key_pem())[1]


def sign(
    claims: dict[str, Any], *, key: Any = None, algorithm: str = "RS256", headers: dict[str, Any] | None = None
) -> str:
    """`claims` signed with the issuer's key (or `key`), its key id in the header unless `headers` say otherwise."""
    return jwt.encode(
        claims,
        key if key is not None else private_key_pem(),
        algorithm=algorithm,
        headers={"kid": kid(), **(headers or {})},
    )
