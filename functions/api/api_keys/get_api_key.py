"""GET /api/v1/api-keys/{keyId}: one API key of the tenant (never its secret), with its last use."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.api_keys import ApiKey
from contact_platform.services import api_keys


@endpoint("get_api_key")
def get_api_key(keyId: str) -> ApiKey:
    return api_keys.get_api_key(caller(), keyId)


handler = get_api_key.handler
