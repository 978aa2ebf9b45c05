"""POST /api/v1/segments: save a segment (a contact filter or a list of contact IDs)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.segments import Segment, SegmentCreate
from contact_platform.services import segments


@endpoint("create_segment")
def create_segment(body: SegmentCreate) -> Segment:
    return segments.create_segment(caller(), body)


handler = create_segment.handler
