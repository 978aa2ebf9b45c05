"""GET /api/v1/segments/{segmentId}/contacts: a page of the segment's contacts."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.contacts import Contact
from contact_platform.models.paging import Listing, PageQuery
from contact_platform.services import segments


@endpoint("list_segment_contacts")
def list_segment_contacts(segmentId: str, query: Annotated[PageQuery, Query()]) -> Listing[Contact]:
    return segments.list_segment_contacts(caller(), segmentId, query)


handler = list_segment_contacts.handler
