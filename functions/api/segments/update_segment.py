"""PATCH /api/v1/segments/{segmentId}: rename, describe or redefine a segment."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.segments import Segment, SegmentPatch
from contact_platform.services import segments


@endpoint("update_segment")
def update_segment(segmentId: str, body: SegmentPatch) -> Segment:
    return segments.update_segment(caller(), segmentId, body)


handler = update_segment.handler
