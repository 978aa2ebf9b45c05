"""POST /api/v1/imports/{operationId}/retry: run a FAILED import again (202); no row is written twice."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import ImportAccepted
from contact_platform.services import imports


@endpoint("retry_import")
def retry_import(operationId: str) -> ImportAccepted:
    return imports.retry_import(caller(), operationId)


handler = retry_import.handler
