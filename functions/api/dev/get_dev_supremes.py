"""GET /dev/supremes: 200 for a supreme user, 403 for anyone else (dev mode only)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.dev import DevSupreme
from contact_platform.services import dev_info


@endpoint("get_dev_supremes")
def get_dev_supremes() -> DevSupreme:
    return dev_info.get_dev_supremes(caller())


handler = get_dev_supremes.handler
