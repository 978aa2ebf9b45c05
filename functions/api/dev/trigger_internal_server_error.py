"""GET /dev/internalServerError: an unexpected error, handled as any other (500 envelope, logged with the
request id; dev mode only)."""

from contact_platform.http.endpoint import endpoint
from contact_platform.models.dev import DevSupreme
from contact_platform.services import dev_info


@endpoint("trigger_internal_server_error")
def trigger_internal_server_error() -> DevSupreme:
    return dev_info.trigger_internal_server_error()


handler = trigger_internal_server_error.handler
