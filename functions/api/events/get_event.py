"""GET /api/v1/events/{eventId}: one event of the last 30 days."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.events import Event
from contact_platform.services import events


@endpoint("get_event")
def get_event(eventId: str) -> Event:
    return events.get_event(caller(), eventId)


handler = get_event.handler
