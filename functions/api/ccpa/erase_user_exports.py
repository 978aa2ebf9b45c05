"""DELETE /api/v1/ccpa/users/{userId}: a supreme user erases every export the user requested, in any
tenant, files and records, but the types kept on erasure (docs/architecture.md, "Campaign exports")."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.campaign_exports import ErasureAnswer
from contact_platform.services import campaign_exports


@endpoint("erase_user_exports")
def erase_user_exports(userId: str) -> ErasureAnswer:
    return campaign_exports.erase_user_exports(caller(), userId)


handler = erase_user_exports.handler
