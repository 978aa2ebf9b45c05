"""GET /api/v1/imports: the tenant's imports, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.operations import Import, OperationListQuery
from contact_platform.models.paging import Listing
from contact_platform.services import imports


@endpoint("list_imports")
def list_imports(query: Annotated[OperationListQuery, Query()]) -> Listing[Import]:
    return imports.list_imports(caller(), query)


handler = list_imports.handler
