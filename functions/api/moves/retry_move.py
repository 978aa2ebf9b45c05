"""POST /api/v1/moves/{operationId}/retry: run a FAILED moves job again (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import OperationAccepted
from contact_platform.services import moves


@endpoint("retry_move")
def retry_move(operationId: str) -> OperationAccepted:
    return moves.retry_move(caller(), operationId)


handler = retry_move.handler
