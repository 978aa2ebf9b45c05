"""Cognito's pre-token-generation trigger (event version 3, client credentials included): adds the
platform's claims `cdp:tenant`, `cdp:user`, `cdp:role` to an app client's access token from its
registration (services/token_clients.py). An unregistered client, or one whose user is no longer
active, gets no token: the trigger raises and Cognito refuses the token request."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from contact_platform.observability import lambda_handler, logger
from contact_platform.services.token_clients import UnknownClient, claims_for


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    client_id = str((event.get("callerContext") or {}).get("clientId") or "")
    try:
        claims = claims_for(client_id)
    except UnknownClient:
        logger.warning("token refused", extra={"clientId": client_id, "trigger": event.get("triggerSource")})
        raise
    response = event.setdefault("response", {})
    response["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {"claimsToAddOrOverride": claims}}
    return event
