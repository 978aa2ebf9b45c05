"""GET /heartbeat: the service answers (no key needed)."""

from contact_platform import clock
from contact_platform.http.endpoint import endpoint
from contact_platform.models.health import Heartbeat


@endpoint("get_heartbeat")
def get_heartbeat() -> Heartbeat:
    return Heartbeat(time=clock.iso(clock.now()))


handler = get_heartbeat.handler
