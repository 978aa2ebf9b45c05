"""GET /api/v1/tags: the tenant's tags, by name (`search`: those whose name begins with it)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.paging import Listing
from contact_platform.models.tags import Tag, TagListQuery
from contact_platform.services import tags


@endpoint("list_tags")
def list_tags(query: Annotated[TagListQuery, Query()]) -> Listing[Tag]:
    return tags.list_tags(caller(), query)


handler = list_tags.handler
