"""GET /api/v1/moves/{operationId}: status and counts of a moves job."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import MoveOperation
from contact_platform.services import moves


@endpoint("get_move")
def get_move(operationId: str) -> MoveOperation:
    return moves.get_move(caller(), operationId)


handler = get_move.handler
