"""GET /.well-known/jwks.json: the dev issuer's public keys, as JWT libraries read them (dev mode only)."""

from contact_platform.http.endpoint import endpoint
from contact_platform.models.dev import Jwks
from contact_platform.services import dev_info


@endpoint("get_jwks")
def get_jwks() -> Jwks:
    return dev_info.get_jwks()


handler = get_jwks.handler
