"""The local stack's dev issuer (dev mode): RS256 access tokens for `POST /dev/token`, signed with an RSA
key pair the stack makes when it starts (`cdp serve`, local/stack.py) and hands to its functions in
`DEV_ISSUER_PRIVATE_KEY`; its public key is served at `GET /.well-known/jwks.json`, where the
authorizer fetches it as it fetches Cognito's on AWS (docs/architecture.md, "Bearer tokens").

The tokens carry what a Cognito access token carries after the pre-token-generation trigger:
`iss`, `aud`, `sub` (the user), `exp`, `iat`, `jti`, `cdp:tenant`, `cdp:user`, `cdp:role`, `scope`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from functools import cache
from typing import Any

from contact_platform import clock
from contact_platform.config import ENV_DEV_ISSUER_KEY, settings
from contact_platform.ids import new_id
from contact_platform.services.bearer_tokens import (
    ALGORITHM,
    CLAIM_ROLE,
    CLAIM_SCOPE,
    CLAIM_TENANT,
    CLAIM_USER,
)

EXPIRES_IN_SECONDS = 900
# What the local stack's tokens name as their audience (JWT_AUDIENCE there).
DEV_AUDIENCE = "contact-data-platform"


def new_private_key_pem() -> str:
    """A new RSA key pair (2048 bits), its private key as PEM: what the local stack makes at start."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def configured() -> bool:
    return bool(os.environ.get(ENV_DEV_ISSUER_KEY))


@cache
def _signing_key(pem: str) -> tuple[Any, str, dict[str, str]]:
    """(private key, key id, public JWK) of a PEM; the key id is the JWK's RFC 7638 thumbprint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("the dev issuer's key is not an RSA key")
    numbers = private.public_key().public_numbers()

    def b64(number: int) -> str:
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    public = {"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}
    canonical = json.dumps(public, separators=(",", ":"), sort_keys=True)  # RFC 7638: e, kty, n
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return private, kid, {**public, "kid": kid, "use": "sig", "alg": ALGORITHM}


def _key() -> tuple[Any, str, dict[str, str]]:
    pem = os.environ.get(ENV_DEV_ISSUER_KEY)
    if not pem:
        raise RuntimeError(f"the dev issuer has no key: {ENV_DEV_ISSUER_KEY} is not set")
    return _signing_key(pem)


def jwks() -> dict[str, list[dict[str, str]]]:
    """The JWKS document: the dev issuer's public key."""
    return {"keys": [_key()[2]]}


def issue(*, tenant_id: str, user_id: str, role: str, scopes: list[str]) -> str:
    """An access token for this user, valid EXPIRES_IN_SECONDS from now."""
    import jwt

    private, kid, _ = _key()
    now = clock.epoch(clock.now())
    config = settings()
    claims = {
        "iss": config.jwt_issuer,
        "aud": config.jwt_audience or DEV_AUDIENCE,
        "sub": user_id,
        "iat": now,
        "exp": now + EXPIRES_IN_SECONDS,
        "jti": new_id("jti"),
        CLAIM_TENANT: tenant_id,
        CLAIM_USER: user_id,
        CLAIM_ROLE: role,
        CLAIM_SCOPE: " ".join(scopes),
    }
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid})
