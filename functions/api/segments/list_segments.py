"""GET /api/v1/segments: the tenant's segments, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.paging import Listing
from contact_platform.models.segments import Segment, SegmentListQuery
from contact_platform.services import segments


@endpoint("list_segments")
def list_segments(query: Annotated[SegmentListQuery, Query()]) -> Listing[Segment]:
    return segments.list_segments(caller(), query)


handler = list_segments.handler
