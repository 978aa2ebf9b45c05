"""GET /api/v1/moves: moves jobs, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.operations import MoveOperation, OperationListQuery
from contact_platform.models.paging import Listing
from contact_platform.services import moves


@endpoint("list_moves")
def list_moves(query: Annotated[OperationListQuery, Query()]) -> Listing[MoveOperation]:
    return moves.list_moves(caller(), query)


handler = list_moves.handler
