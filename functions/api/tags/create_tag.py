"""POST /api/v1/tags: create a tag (names are unique per tenant)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.tags import Tag, TagCreate
from contact_platform.services import tags


@endpoint("create_tag")
def create_tag(body: TagCreate) -> Tag:
    return tags.create_tag(caller(), body)


handler = create_tag.handler
