"""Cognito app clients (docs/architecture.md, "Bearer tokens: Cognito"): the operator registers an
app client's tenant and user (`cdp clients register`); the pre-token-generation trigger adds
`cdp:tenant`, `cdp:user`, `cdp:role` from that registration and the user's record, and refuses a
token to an unregistered client or one whose user is no longer active. A token with those claims
is what the authorizer accepts."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from contact_platform import clock
from functions.triggers.token_claims import handler
from local import cli
from tests.support import issuer
from tests.support.fixtures import Api


def _event(client_id: str) -> dict[str, Any]:
    """Cognito's V3 pre-token-generation event for a client-credentials token request."""
    return {
        "version": "3",
        "triggerSource": "TokenGeneration_ClientCredentials",
        "region": "eu-central-1",
        "userPoolId": "eu-central-1_test",
        "userName": client_id,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id},
        "request": {"userAttributes": {}, "scopes": ["cdp/contacts:read"]},
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def _context() -> Any:
    return SimpleNamespace(
        function_name="token-claims",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:eu-central-1:000000000000:function:token-claims",
        aws_request_id="req-token-claims",
    )


def test_a_registered_clients_token_carries_its_users_claims(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = api.token("manager")
    with pytest.raises(Exception, match="not registered"):
        handler(_event("client-a"), _context())

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(SystemExit) as done:
        cli.main(["clients", "register", "client-a", "--tenant-id", user["tenantId"], "--user-id", user["userId"]])
    assert done.value.code == 0
    assert f"app client client-a: tokens act as {user['userId']} in {user['tenantId']}" in capsys.readouterr().out

    answered = handler(_event("client-a"), _context())
    claims = answered["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"]
    assert claims == {"cdp:tenant": user["tenantId"], "cdp:user": user["userId"], "cdp:role": "manager"}

    # What Cognito then signs: its own claims (no aud, client_id, prefixed scopes) and the trigger's.
    now = clock.epoch(clock.now())
    token = issuer.sign(
        {"iss": issuer.ISSUER, "aud": issuer.AUDIENCE, "iat": now, "exp": now + 900, "client_id": "client-a"}
        | {"scope": "contacts:read", **claims}
    )
    listed = api.get("/api/v1/contacts", key=token)
    assert listed.status == 200, listed.body

    with pytest.raises(SystemExit) as refused:
        cli.main(["clients", "register", "client-b", "--tenant-id", user["tenantId"], "--user-id", "usr_nobody"])
    assert refused.value.code == 1 and "no active user with this id" in capsys.readouterr().err


def test_a_deactivated_users_client_gets_no_token(api: Api, admin: dict[str, Any]) -> None:
    from contact_platform.services import token_clients

    user = api.token("user", tenant_id=admin["tenantId"])
    token_clients.register("client-u", tenant_id=admin["tenantId"], user_id=user["userId"], registered_by="test")
    assert handler(_event("client-u"), _context())["response"]["claimsAndScopeOverrideDetails"]
    assert api.delete(f"/api/v1/users/{user['userId']}", key=admin["apiKey"]).status == 200
    with pytest.raises(Exception, match="no active user"):
        handler(_event("client-u"), _context())
    assert token_clients.unregister("client-u") is True
    with pytest.raises(Exception, match="not registered"):
        handler(_event("client-u"), _context())
