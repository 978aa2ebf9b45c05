"""GET /api/v1/segments/{segmentId}/count: how many active contacts the segment has now."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.segments import SegmentCount
from contact_platform.services import segments


@endpoint("count_segment_contacts")
def count_segment_contacts(segmentId: str) -> SegmentCount:
    return segments.count_segment_contacts(caller(), segmentId)


handler = count_segment_contacts.handler
