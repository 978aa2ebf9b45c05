"""GET /api/v1/exports: the tenant's exports, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.operations import Export, OperationListQuery
from contact_platform.models.paging import Listing
from contact_platform.services import exports


@endpoint("list_exports")
def list_exports(query: Annotated[OperationListQuery, Query()]) -> Listing[Export]:
    return exports.list_exports(caller(), query)


handler = list_exports.handler
