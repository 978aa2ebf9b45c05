"""GET /api/v1/exports/{operationId}: status, row count and, once FINISHED, a fresh download URL."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import Export
from contact_platform.services import exports


@endpoint("get_export")
def get_export(operationId: str) -> Export:
    return exports.get_export(caller(), operationId)


handler = get_export.handler
