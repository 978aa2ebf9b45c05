"""GET /api/v1/tags/{tagId}: a tag with its contact count."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.tags import Tag
from contact_platform.services import tags


@endpoint("get_tag")
def get_tag(tagId: str) -> Tag:
    return tags.get_tag(caller(), tagId)


handler = get_tag.handler
