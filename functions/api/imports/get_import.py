"""GET /api/v1/imports/{operationId}: progress, counts and row errors of an import."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import Import
from contact_platform.services import imports


@endpoint("get_import")
def get_import(operationId: str) -> Import:
    return imports.get_import(caller(), operationId)


handler = get_import.handler
