"""POST /api/v1/tag-assignments: tag every contact of a segment in a job (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import OperationAccepted, TagAssignmentCreate
from contact_platform.services import tag_assignments


@endpoint("create_tag_assignment")
def create_tag_assignment(body: TagAssignmentCreate) -> OperationAccepted:
    return tag_assignments.create_tag_assignment(caller(), body)


handler = create_tag_assignment.handler
