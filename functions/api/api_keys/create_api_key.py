"""POST /api/v1/api-keys: issue a key; the secret is in this response only."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.api_keys import ApiKeyCreate, ApiKeyCreated
from contact_platform.services import api_keys


@endpoint("create_api_key")
def create_api_key(body: ApiKeyCreate) -> ApiKeyCreated:
    return api_keys.create_api_key(caller(), body)


handler = create_api_key.handler
