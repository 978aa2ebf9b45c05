"""GET /api/v1/api-keys: the tenant's keys, newest first (never their secrets)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.api_keys import ApiKey
from contact_platform.models.paging import Listing, PageQuery
from contact_platform.services import api_keys


@endpoint("list_api_keys")
def list_api_keys(query: Annotated[PageQuery, Query()]) -> Listing[ApiKey]:
    return api_keys.list_api_keys(caller(), limit=query.limit, cursor=query.cursor)


handler = list_api_keys.handler
