"""DELETE /api/v1/segments/{segmentId}: delete a segment (its contacts stay); honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.segments import SegmentDeleted
from contact_platform.services import segments


@endpoint("delete_segment")
def delete_segment(segmentId: str, if_match: IfMatch = None) -> SegmentDeleted:
    return segments.delete_segment(caller(), segmentId, if_match)


handler = delete_segment.handler
