"""POST /api/v1/tag-assignments/{operationId}/retry: run a FAILED tagging operation again (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import OperationAccepted
from contact_platform.services import tag_assignments


@endpoint("retry_tag_assignment")
def retry_tag_assignment(operationId: str) -> OperationAccepted:
    return tag_assignments.retry_tag_assignment(caller(), operationId)


handler = retry_tag_assignment.handler
