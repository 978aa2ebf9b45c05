"""A method that a path of the API does not take (`PUT /api/v1/contacts/{contactId}`): 405
`METHOD_NOT_ALLOWED` with `Allow` naming the methods it does take, after the caller's key (the
authorizer, as for every route; none on a path whose routes are all public) and its rate limit. On
AWS an `ANY` method on every resource of the route table calls this function
(infra/method_not_allowed.py); locally the gateway does (local/gateway.py). A path the API does not
have at all stays 404 "Route not found" (docs/architecture.md, API conventions)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.http import rate_limit
from contact_platform.http.endpoint import answered
from contact_platform.observability import lambda_handler
from contact_platform.routes import methods_at

NAME = "method_not_allowed"


def _refuse(event: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    if authorizer:  # none on a public path (`/heartbeat`): its ANY method takes no key either
        headers.update(rate_limit.check(authorizer))
    resource = str(event.get("resource") or "")
    allowed = methods_at(resource, dev_mode=settings().dev_mode)
    raise errors.method_not_allowed(str(event.get("httpMethod") or ""), resource, allowed)


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answered(event, NAME, lambda _state, headers: _refuse(event, headers))
