"""POST /api/v1/exports: export a segment as CSV or JSON Lines in a job (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import ExportCreate, OperationAccepted
from contact_platform.services import exports


@endpoint("create_export")
def create_export(body: ExportCreate) -> OperationAccepted:
    return exports.create_export(caller(), body)


handler = create_export.handler
