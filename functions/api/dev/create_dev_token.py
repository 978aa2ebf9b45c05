"""POST /dev/token: a new key for any role, creating tenant and user as needed (dev mode only)."""

from contact_platform.http.endpoint import endpoint
from contact_platform.http.request import request_id
from contact_platform.models.dev import DevToken, DevTokenRequest
from contact_platform.services import dev_tokens


@endpoint("create_dev_token")
def create_dev_token(body: DevTokenRequest) -> DevToken:
    return dev_tokens.issue_dev_token(body, request_id())


handler = create_dev_token.handler
