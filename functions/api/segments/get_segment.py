"""GET /api/v1/segments/{segmentId}: one segment."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.segments import Segment
from contact_platform.services import segments


@endpoint("get_segment")
def get_segment(segmentId: str) -> Segment:
    return segments.get_segment(caller(), segmentId)


handler = get_segment.handler
