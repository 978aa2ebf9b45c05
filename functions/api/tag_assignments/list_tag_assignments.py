"""GET /api/v1/tag-assignments: tagging operations, newest first."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.operations import OperationListQuery, TagAssignment
from contact_platform.models.paging import Listing
from contact_platform.services import tag_assignments


@endpoint("list_tag_assignments")
def list_tag_assignments(query: Annotated[OperationListQuery, Query()]) -> Listing[TagAssignment]:
    return tag_assignments.list_tag_assignments(caller(), query)


handler = list_tag_assignments.handler
