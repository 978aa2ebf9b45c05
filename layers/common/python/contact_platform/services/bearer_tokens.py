"""JWT bearer tokens: from `Authorization: Bearer <JWT>` to the token's tenant, user, role and scopes
(docs/architecture.md, "Bearer tokens").

Only RS256 tokens of the one configured issuer (`JWT_ISSUER`) are accepted, verified with PyJWT
against the public keys of the issuer's JWKS (`JWT_JWKS_URL`: Cognito's on AWS, the dev issuer's
`/.well-known/jwks.json` on the local stack). The JWKS is fetched once per warm container and again
only for a key id it does not hold, at most once every `JWKS_REFETCH_SECONDS` (a stream of tokens
with made-up key ids cannot make the authorizer fetch per request). PyJWT, and with it
`cryptography`, is imported on the first bearer token only: an API key's cold start does not load it.

Claims (all required):

- `iss` the issuer, `exp` and `iat`; `aud` must be `JWT_AUDIENCE` when that is set, and absent
  otherwise (Cognito's access tokens carry `client_id` instead: `JWT_CLIENT_IDS` lists those that count);
- `cdp:tenant`, `cdp:user`, `cdp:role`: whom the token acts for (on AWS the pre-token-generation
  trigger adds them from the app client's registration, `services/token_clients.py`);
- `scope`: space-separated scopes, each without `JWT_SCOPE_PREFIX` (Cognito names them
  `<resource server>/<scope>`); only those the role allows count, as for an API key's scopes.

Nothing about the user is read per request: the token was issued for an active user and lives
`expiresIn` seconds (15 minutes), and the only DynamoDB request is the subject's rate-limit count
(`store/token_windows.py`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from contact_platform import clock, errors
from contact_platform.config import settings
from contact_platform.permissions import ROLE_SCOPES, Role

ALGORITHM = "RS256"
CLAIM_TENANT = "cdp:tenant"
CLAIM_USER = "cdp:user"
CLAIM_ROLE = "cdp:role"
CLAIM_SCOPE = "scope"
CLAIM_CLIENT_ID = "client_id"
REQUIRED_CLAIMS = ("iss", "exp", "iat", CLAIM_TENANT, CLAIM_USER, CLAIM_ROLE, CLAIM_SCOPE)
# header.payload.signature, each base64url: anything of this shape takes the JWT path.
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
JWKS_REFETCH_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 3
LEEWAY_SECONDS = 5  # clock skew between the issuer and the authorizer
TENANT_ID = re.compile(r"^ten_[A-Za-z0-9]{1,40}$")
USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenGrant:
    tenant_id: str
    user_id: str
    role: Role
    scopes: tuple[str, ...]


def looks_like_jwt(raw: str) -> bool:
    return bool(JWT_SHAPE.match(raw))


class _KeySet:
    """The issuer's public keys by key id, as fetched last (one per URL and container)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.keys: dict[str, Any] = {}
        self.fetched_at: float | None = None
        self.lock = threading.Lock()

    def key(self, kid: str) -> Any | None:
        with self.lock:
            if kid not in self.keys and (
                self.fetched_at is None or time.monotonic() - self.fetched_at >= JWKS_REFETCH_SECONDS
            ):
                self._fetch()
            return self.keys.get(kid)

    def _fetch(self) -> None:
        import jwt

        with urllib.request.urlopen(self.url, timeout=JWKS_TIMEOUT_SECONDS) as answer:
            document = json.loads(answer.read())
        self.fetched_at = time.monotonic()
        found: dict[str, Any] = {}
        for entry in document.get("keys", []):
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or not entry.get("kid"):
                continue
            try:
                found[str(entry["kid"])] = jwt.PyJWK.from_dict(entry, algorithm=ALGORITHM).key
            except jwt.PyJWTError:
                log.warning("JWKS %s: key %s is not usable", self.url, entry.get("kid"))
        self.keys = found


_key_sets: dict[str, _KeySet] = {}
_key_sets_lock = threading.Lock()


def _key_set(url: str) -> _KeySet:
    with _key_sets_lock:
        return _key_sets.setdefault(url, _KeySet(url))


def forget_keys() -> None:
    """Drop every fetched JWKS (a container's start; tests that change the issuer's keys)."""
    with _key_sets_lock:
        _key_sets.clear()


def verify(raw: str) -> TokenGrant:
    """The grant of a valid token; 401 for anything else (unknown issuer or key, bad signature, another
    algorithm, expired, wrong audience or client, missing or malformed claims)."""
    import jwt

    config = settings()
    if not (config.jwt_issuer and config.jwt_jwks_url):
        raise errors.authentication_failed()
    try:
        header = jwt.get_unverified_header(raw)
    except jwt.PyJWTError:
        raise errors.authentication_failed() from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str) or not kid:
        raise errors.authentication_failed()
    key = _key_set(config.jwt_jwks_url).key(kid)
    if key is None:
        raise errors.authentication_failed()
    try:
        claims: dict[str, Any] = jwt.decode(
            raw,
            key,
            algorithms=[ALGORITHM],
            issuer=config.jwt_issuer,
            audience=config.jwt_audience or None,
            # Time is the platform's clock (`clock.now`), checked below.
            options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise errors.authentication_failed() from None
    return _grant(claims)


def _grant(claims: dict[str, Any]) -> TokenGrant:
    config = settings()
    now = clock.epoch(clock.now())
    try:
        expires, issued = int(claims["exp"]), int(claims["iat"])
        not_before = int(claims.get("nbf", issued))
    except (TypeError, ValueError):
        raise errors.authentication_failed() from None
    if expires <= now - LEEWAY_SECONDS or max(issued, not_before) > now + LEEWAY_SECONDS:
        raise errors.authentication_failed()
    if config.jwt_client_ids and claims.get(CLAIM_CLIENT_ID) not in config.jwt_client_ids:
        raise errors.authentication_failed()
    tenant_id, user_id, scope = claims[CLAIM_TENANT], claims[CLAIM_USER], claims[CLAIM_SCOPE]
    if not (isinstance(tenant_id, str) and TENANT_ID.match(tenant_id)):
        raise errors.authentication_failed()
    if not (isinstance(user_id, str) and USER_ID.match(user_id)) or not isinstance(scope, str):
        raise errors.authentication_failed()
    try:
        role = Role(claims[CLAIM_ROLE])
    except ValueError:
        raise errors.authentication_failed() from None
    allowed = ROLE_SCOPES[role]
    prefix = config.jwt_scope_prefix
    named = (name.removeprefix(prefix) for name in scope.split() if not prefix or name.startswith(prefix))
    scopes = tuple(dict.fromkeys(name for name in named if name in allowed))
    return TokenGrant(tenant_id=tenant_id, user_id=user_id, role=role, scopes=scopes)
