"""Bearer tokens on AWS (infra/identity.py): the Cognito user pool with the platform's resource server,
a client-credentials app client, the pre-token-generation trigger (event version 3) that reads only
registrations and user records, and the authorizer told the pool's issuer, JWKS, client and prefix."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform import config
from contact_platform.permissions import ALL_SCOPES
from contact_platform.routes import AUTHORIZER_HANDLER
from contact_platform.store import keys
from infra.identity import ACCESS_TOKEN_MINUTES, CLIENT_SCOPES, RESOURCE_SERVER, TOKEN_CLAIMS_HANDLER
from tests.infra.synthesized import Assembly, actions
from tests.infra.test_infra_routes import functions_by_handler

pytestmark = pytest.mark.xdist_group("infra")


def test_the_pool_its_resource_server_and_client(assembly: Assembly) -> None:
    (pool,) = assembly.resources("AWS::Cognito::UserPool")
    assert pool.properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    trigger = pool.properties["LambdaConfig"]["PreTokenGenerationConfig"]
    assert trigger["LambdaVersion"] == "V3_0"
    function = assembly.referenced(pool, trigger["LambdaArn"], "AWS::Lambda::Function")
    assert function.properties["Handler"] == TOKEN_CLAIMS_HANDLER

    (server,) = assembly.resources("AWS::Cognito::UserPoolResourceServer")
    assert server.properties["Identifier"] == RESOURCE_SERVER
    assert {scope["ScopeName"] for scope in server.properties["Scopes"]} == ALL_SCOPES

    (client,) = assembly.resources("AWS::Cognito::UserPoolClient")
    properties = client.properties
    assert properties["AllowedOAuthFlows"] == ["client_credentials"]
    assert properties["AllowedOAuthFlowsUserPoolClient"] is True
    assert properties["GenerateSecret"] is True
    scopes = {assembly_scope(scope) for scope in properties["AllowedOAuthScopes"]}
    assert scopes == {f"{RESOURCE_SERVER}/{scope}" for scope in CLIENT_SCOPES} and len(scopes) <= 50
    assert (properties["AccessTokenValidity"], properties["TokenValidityUnits"]["AccessToken"]) == (
        ACCESS_TOKEN_MINUTES,
        "minutes",
    )
    (domain,) = assembly.resources("AWS::Cognito::UserPoolDomain")
    assert assembly.referenced(domain, domain.properties["UserPoolId"], pool.type) == pool


def assembly_scope(scope: Any) -> str:
    """`cdp/contacts:read` from its CloudFormation value (`Fn::Join` of the resource server's id and the name)."""
    if isinstance(scope, str):
        return scope
    parts = scope["Fn::Join"][1]
    return RESOURCE_SERVER + "".join(part for part in parts if isinstance(part, str))


def test_the_authorizer_trusts_the_pool(assembly: Assembly) -> None:
    authorizer = functions_by_handler(assembly)[AUTHORIZER_HANDLER]
    variables = authorizer.properties["Environment"]["Variables"]
    (pool,) = assembly.resources("AWS::Cognito::UserPool")
    (client,) = assembly.resources("AWS::Cognito::UserPoolClient")
    issuer = variables[config.ENV_JWT_ISSUER]
    assert assembly.referenced(authorizer, issuer, pool.type) == pool
    assert issuer["Fn::GetAtt"][1] == "ProviderURL"  # https://cognito-idp.<region>.amazonaws.com/<pool id>
    jwks = variables[config.ENV_JWT_JWKS_URL]
    assert assembly.referenced(authorizer, jwks, pool.type) == pool and "/.well-known/jwks.json" in str(jwks)
    assert assembly.referenced(authorizer, variables[config.ENV_JWT_CLIENT_IDS], client.type) == client
    assert variables[config.ENV_JWT_SCOPE_PREFIX] == f"{RESOURCE_SERVER}/"
    assert config.ENV_JWT_AUDIENCE not in variables, "Cognito's access tokens carry no aud"
    assert config.ENV_DEV_ISSUER_KEY not in variables
    assert variables[config.ENV_RATE_LIMIT] and variables[config.ENV_RATE_WINDOW]


def test_the_trigger_only_reads_registrations_and_records(assembly: Assembly) -> None:
    trigger = functions_by_handler(assembly)[TOKEN_CLAIMS_HANDLER]
    table = [s for s in assembly.statements_of(trigger) if any(a.startswith("dynamodb:") for a in actions(s))]
    assert [actions(s) for s in table] == [["dynamodb:GetItem"]]
    leading = table[0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert leading == [keys.token_client_pk("*"), "TENANT#*"]
