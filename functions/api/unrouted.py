"""What the API answers to a request no route takes (docs/architecture.md, API conventions):

- a path it has with a method the path does not take (`PUT /api/v1/contacts/{contactId}`): 405
  `METHOD_NOT_ALLOWED` with `Allow` naming those it takes, after the caller's key (the authorizer,
  as for every route; none on a path whose routes are all public) and its rate limit;
- a path it does not have: 404 "Route not found", naming the path likely meant (`/api/v1/persons`:
  "did you mean /api/v1/contacts?"), no key needed, as before.

On AWS the `ANY` method of every resource of the route table and the `/{proxy+}` resource call this
function (infra/unrouted.py); locally the gateway does (local/gateway.py)."""

from typing import Any, NoReturn

from aws_lambda_powertools.utilities.typing import LambdaContext

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.http import rate_limit
from contact_platform.http.endpoint import answered
from contact_platform.observability import lambda_handler
from contact_platform.routes import UNKNOWN_PATH, meant_path, methods_at

NAME = "unrouted"


def _refuse(event: dict[str, Any], headers: dict[str, str]) -> NoReturn:
    dev_mode = settings().dev_mode
    resource = str(event.get("resource") or "")
    if resource == UNKNOWN_PATH:
        raise errors.unknown_route(meant_path(str(event.get("path") or ""), dev_mode=dev_mode))
    authorizer = (event.get("requestContext") or {}).get("authorizer")
    if authorizer:  # none on a public path (`/heartbeat`): its ANY method takes no key either
        headers.update(rate_limit.check(authorizer))
    method = str(event.get("httpMethod") or "")
    raise errors.method_not_allowed(method, resource, methods_at(resource, dev_mode=dev_mode))


@lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answered(event, NAME, lambda _state, headers: _refuse(event, headers))
