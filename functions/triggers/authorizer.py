"""API Gateway REQUEST authorizer: the API key in `Authorization: Bearer` or `X-API-Key` becomes the
context every route function reads its caller from (tenantId, userId, role, scopes, keyId) and its
rate limit (rateLimit, and this request's count: rateHits, rateReset, rateWindow), read and counted
in one DynamoDB request (docs/architecture.md, "A request").

A missing, unknown, revoked or expired key raises `Unauthorized`: API Gateway then answers 401 with
the platform's envelope (a gateway response in infra/api.py; the same body locally).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from contact_platform.errors import ApiError
from contact_platform.observability import Refusal, lambda_handler
from contact_platform.services.authentication import authenticate


class Unauthorized(Refusal):
    """API Gateway turns exactly this message into a 401 (an answer, not an error of the function)."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _stage_arn(method_arn: str) -> str:
    """`arn:...:api-id/stage/GET/path` -> `arn:...:api-id/stage/*/*`: the grant holds for every route."""
    api, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0] if rest else "*"
    return f"{api}/{stage}/*/*"


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        grant = authenticate(event.get("headers") or {})
    except ApiError:
        raise Unauthorized() from None
    return {
        "principalId": grant.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _stage_arn(event.get("methodArn", "*"))}
            ],
        },
        "context": grant.context(),
    }
