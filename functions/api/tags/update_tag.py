"""PATCH /api/v1/tags/{tagId}: colour and description at once; a new name is reserved at once and a
tagging job renames the tag on every contact (the tag's `renameOperationId`)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.tags import Tag, TagPatch
from contact_platform.services import tags


@endpoint("update_tag")
def update_tag(tagId: str, body: TagPatch) -> Tag:
    return tags.update_tag(caller(), tagId, body)


handler = update_tag.handler
