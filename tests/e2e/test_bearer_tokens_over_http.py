"""JWT bearer tokens and supreme users over real HTTP on `cdp serve`: the dev issuer's key pair is
made at start, the authorizer fetches its JWKS from the stack's own `/.well-known/jwks.json`, and
`cdp users set-supreme` flags a user in the running stack's table."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.support.stack import Stack, cdp

pytestmark = pytest.mark.xdist_group("stack")


def _local_only(stack: Stack) -> Path:
    if stack.output is None:
        pytest.skip("CDP_E2E_BASE_URL points at a deployed stage: its tokens come from Cognito")
    return stack.output


def test_a_dev_token_jwt_over_http_and_a_supreme_user(stack: Stack, tmp_path: Path) -> None:
    output = _local_only(stack)
    token = requests.post(f"{stack.base_url}/dev/token", json={"role": "user"}, timeout=60).json()["data"]
    assert token["tokenType"] == "Bearer" and token["expiresIn"] == 900
    jwks = requests.get(f"{stack.base_url}/.well-known/jwks.json", timeout=30)
    assert jwks.status_code == 200 and [key["alg"] for key in jwks.json()["keys"]] == ["RS256"]

    bearer = {"Authorization": f"Bearer {token['accessToken']}"}
    created = requests.post(f"{stack.base_url}/api/v1/contacts", headers=bearer, json={"name": "JWT"}, timeout=60)
    assert created.status_code == 201, created.text
    assert created.json()["data"]["ownerId"] == token["userId"]
    assert "X-RateLimit-Remaining" in created.headers
    forged = token["accessToken"][:-4] + ("AAAA" if not token["accessToken"].endswith("AAAA") else "BBBB")
    refused = requests.get(f"{stack.base_url}/api/v1/contacts", headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "AUTHENTICATION_FAILED"

    assert requests.get(f"{stack.base_url}/dev/supremes", headers=bearer, timeout=30).status_code == 403
    endpoint = output.read_text().split("AWS:", 1)[1].split()[0]
    done = cdp("users", "set-supreme", token["userId"], "--aws-endpoint", endpoint, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{token['userId']} is supreme" in done.stdout
    supreme = requests.get(f"{stack.base_url}/dev/supremes", headers=bearer, timeout=30)
    assert supreme.status_code == 200 and supreme.json()["data"]["userId"] == token["userId"]
    listed = cdp("users", "supremes", "--aws-endpoint", endpoint, cwd=tmp_path)
    assert token["userId"] in listed.stdout
    revoked = cdp("users", "set-supreme", token["userId"], "--revoke", "--aws-endpoint", endpoint, cwd=tmp_path)
    assert revoked.returncode == 0 and "no longer supreme" in revoked.stdout
    assert requests.get(f"{stack.base_url}/dev/supremes", headers=bearer, timeout=30).status_code == 403

    auth = requests.get(f"{stack.base_url}/dev/auth", timeout=30).json()["data"]
    assert auth["issuer"] == stack.base_url and auth["jwksUrl"] == f"{stack.base_url}/.well-known/jwks.json"
    assert token["userId"] in {user["id"] for user in auth["users"]}
