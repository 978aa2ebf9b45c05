"""DELETE /api/v1/users/{userId}: deactivate a user (admins). Its API keys are revoked at once, its
records keep their `ownerId`; the last active admin is not deactivated (409)."""

from contact_platform.entities.shapes import shapes
from contact_platform.entities.users import ENTITY
from contact_platform.http.endpoint import caller, endpoint
from contact_platform.services import users

User = shapes(ENTITY).public


@endpoint("deactivate_user")
def deactivate_user(userId: str) -> User:  # type: ignore[valid-type]
    return users.deactivate_user(caller(), userId)


handler = deactivate_user.handler
