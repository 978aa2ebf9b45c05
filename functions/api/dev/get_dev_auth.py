"""GET /dev/auth: the demo tenant, its users and roles, and how to get a token (dev mode only; no secrets)."""

from contact_platform.http.endpoint import endpoint
from contact_platform.models.dev import DevAuth
from contact_platform.services import dev_info


@endpoint("get_dev_auth")
def get_dev_auth() -> DevAuth:
    return dev_info.get_dev_auth()


handler = get_dev_auth.handler
