"""DELETE /api/v1/api-keys/{keyId}: revoke a key at once."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.api_keys import ApiKey
from contact_platform.services import api_keys


@endpoint("revoke_api_key")
def revoke_api_key(keyId: str) -> ApiKey:
    return api_keys.revoke_api_key(caller(), keyId)


handler = revoke_api_key.handler
