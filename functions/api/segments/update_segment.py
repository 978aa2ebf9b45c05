"""PATCH /api/v1/segments/{segmentId}: rename, describe or redefine a segment; honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.segments import Segment, SegmentPatch
from contact_platform.services import segments


@endpoint("update_segment")
def update_segment(segmentId: str, body: SegmentPatch, if_match: IfMatch = None) -> Segment:
    return segments.update_segment(caller(), segmentId, body, if_match)


handler = update_segment.handler
