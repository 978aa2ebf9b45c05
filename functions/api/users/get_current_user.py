"""GET /api/v1/users/me: the user the API key acts as."""

from contact_platform.entities import reads
from contact_platform.entities.shapes import shapes
from contact_platform.entities.users import ENTITY
from contact_platform.http.endpoint import caller, endpoint

User = shapes(ENTITY).public


@endpoint("get_current_user")
def get_current_user() -> User:  # type: ignore[valid-type]
    me = caller()
    return reads.get(ENTITY, me, me.user_id)


handler = get_current_user.handler
