"""GET /api/v1/tag-assignments/{operationId}: status and counts of a tagging operation."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import TagAssignment
from contact_platform.services import tag_assignments


@endpoint("get_tag_assignment")
def get_tag_assignment(operationId: str) -> TagAssignment:
    return tag_assignments.get_tag_assignment(caller(), operationId)


handler = get_tag_assignment.handler
