"""GET /api/v1/api-keys: the tenant's keys, newest first (never their secrets)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.api_keys import ApiKey, ApiKeyQuery
from contact_platform.models.paging import Listing
from contact_platform.services import api_keys


@endpoint("list_api_keys")
def list_api_keys(query: Annotated[ApiKeyQuery, Query()]) -> Listing[ApiKey]:
    return api_keys.list_api_keys(caller(), query)


handler = list_api_keys.handler
