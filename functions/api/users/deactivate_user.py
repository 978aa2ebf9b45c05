"""DELETE /api/v1/users/{userId}: deactivate a user (admins). Its API keys are revoked at once, its
records keep their `ownerId`; the last active admin is not deactivated (409); honours If-Match."""

from contact_platform.entities.shapes import shapes
from contact_platform.entities.users import ENTITY
from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.services import users

User = shapes(ENTITY).public


@endpoint("deactivate_user")
def deactivate_user(userId: str, if_match: IfMatch = None) -> User:  # type: ignore[valid-type]
    return users.deactivate_user(caller(), userId, if_match)


handler = deactivate_user.handler
