"""Every refused kind of bearer token (docs/architecture.md, "Bearer tokens"), one case each on one
in-process account: expired, signed with another key, changed after signing, of another issuer or
audience, `alg: none`, HS256 signed with the public key, another RSA algorithm, a key id the JWKS
lacks, each required claim missing, malformed claims. Each is a 401 with the envelope, makes no
DynamoDB request and writes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from contact_platform import clock
from contact_platform.services import bearer_tokens
from contact_platform.services.dev_issuer import new_private_key_pem
from tests.integration.test_bearer_tokens import UNAUTHORIZED, claims_for
from tests.support import issuer
from tests.support.fixtures import Api, table_items
from tests.support.request_counter import dynamodb_requests

_claims = claims_for


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _public_pem() -> bytes:
    private = serialization.load_pem_private_key(issuer.private_key_pem().encode(), password=None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The algorithm confusion attack: HS256, the issuer's public key (which anyone has) as the secret."""
    signing_input = _unsigned(claims, {"alg": "HS256", "typ": "JWT", "kid": issuer.kid()})
    signature = hmac.new(_public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(token: dict[str, Any]) -> str:
    """A valid token whose payload was changed afterwards (another tenant)."""
    header, _, signature = issuer.sign(_claims(token)).split(".")
    payload = _b64(json.dumps(_claims(token, **{"cdp:tenant": "ten_someoneelse"})).encode())
    return f"{header}.{payload}.{signature}"


def _without(claim: str) -> Callable[[dict[str, Any]], str]:
    return lambda token: issuer.sign(_claims(token, **{claim: None}))


ANOTHER_KEY = new_private_key_pem()
REFUSED: dict[str, Callable[[dict[str, Any]], str]] = {
    "expired": lambda t: issuer.sign(_claims(t, exp=clock.epoch(clock.now()) - 60)),
    "issued in the future": lambda t: issuer.sign(_claims(t, iat=clock.epoch(clock.now()) + 600)),
    "not yet valid": lambda t: issuer.sign(_claims(t, nbf=clock.epoch(clock.now()) + 600)),
    "signed with another key": lambda t: issuer.sign(_claims(t), key=ANOTHER_KEY),
    "payload changed after signing": _tampered,
    "another issuer": lambda t: issuer.sign(_claims(t, iss="https://evil.example")),
    "another audience": lambda t: issuer.sign(_claims(t, aud="another-api")),
    "no audience": lambda t: issuer.sign(_claims(t, aud=None)),
    "alg none": lambda t: _unsigned(_claims(t), {"alg": "none", "typ": "JWT", "kid": issuer.kid()}) + ".",
    "alg none, signature kept": lambda t: (
        _unsigned(_claims(t), {"alg": "none", "kid": issuer.kid()}) + "." + issuer.sign(_claims(t)).split(".")[2]
    ),
    "HS256 with the public key": lambda t: _hs256_with_public_key(_claims(t)),
    "RS512": lambda t: issuer.sign(_claims(t), algorithm="RS512"),
    "unknown kid": lambda t: issuer.sign(_claims(t), headers={"kid": "not-a-key-of-the-issuer"}),
    "no kid": lambda t: jwt.encode(_claims(t), issuer.private_key_pem(), algorithm="RS256"),
    **{
        f"without {claim}": _without(claim)
        for claim in ("iss", "exp", "iat", "cdp:tenant", "cdp:user", "cdp:role", "scope")
    },
    "an unknown role": lambda t: issuer.sign(_claims(t, **{"cdp:role": "owner"})),
    "a malformed tenant": lambda t: issuer.sign(_claims(t, **{"cdp:tenant": "TENANT#x#"})),
    "a scope that is no string": lambda t: issuer.sign(_claims(t, scope=["contacts:read"])),
    "exp that is no number": lambda t: issuer.sign(_claims(t, exp="tomorrow")),
    "garbage of the shape": lambda t: "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
}


@pytest.fixture(scope="module")
def module_api(aws_module: None) -> Api:
    return Api()


@pytest.fixture(scope="module")
def dev_user(module_api: Api) -> dict[str, Any]:
    return module_api.token("user")


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_token_is_refused_and_counts_nothing(module_api: Api, dev_user: dict[str, Any], case: str) -> None:
    raw = REFUSED[case](dev_user)
    assert bearer_tokens.looks_like_jwt(raw), "it takes the JWT path"
    before = table_items()
    with dynamodb_requests() as sent:
        reply = module_api.get("/api/v1/contacts", key=raw)
    assert reply.status == 401, reply.body
    assert reply.body == {"success": False, "error": UNAUTHORIZED, "meta": reply.body["meta"]}
    assert sent == {}, "a token that fails verification makes no request"
    assert table_items() == before


def test_a_token_signed_right_after_the_refused_ones_passes(module_api: Api, dev_user: dict[str, Any]) -> None:
    """The negative cases fail for what they change: the same claims, signed as the issuer signs, pass."""
    assert module_api.get("/api/v1/contacts", key=issuer.sign(_claims(dev_user))).status == 200
