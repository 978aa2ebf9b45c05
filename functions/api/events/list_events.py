"""GET /api/v1/events: the tenant's events of the last 30 days, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.events import Event, EventQuery
from contact_platform.models.paging import Listing
from contact_platform.services import events


@endpoint("list_events")
def list_events(query: Annotated[EventQuery, Query()]) -> Listing[Event]:
    return events.list_events(caller(), query)


handler = list_events.handler
