"""POST /api/v1/exports/{operationId}/retry: run a FAILED export again (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import OperationAccepted
from contact_platform.services import exports


@endpoint("retry_export")
def retry_export(operationId: str) -> OperationAccepted:
    return exports.retry_export(caller(), operationId)


handler = retry_export.handler
