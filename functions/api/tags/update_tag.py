"""PATCH /api/v1/tags/{tagId}: colour and description at once; a new name is reserved at once and a
tagging job renames the tag on every contact (the tag's `renameOperationId`)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.tags import Tag, TagPatch
from contact_platform.services import tags


@endpoint("update_tag")
def update_tag(tagId: str, body: TagPatch) -> Tag:
    """Colour and description change at once. A new `name` is reserved at once: another tag of the
    tenant with that name (case- and accent-insensitively) is a 409 naming that tag. The answer is
    200 with the tag still under its old `name`, the new one in `renamingTo` and the tagging job that
    renames it on every contact in `renameOperationId` (follow it at
    `GET /api/v1/tag-assignments/{operationId}`, action `rename`); when the job has finished the tag
    carries the new name and the old one is free. A tag being renamed or deleted answers 409."""
    return tags.update_tag(caller(), tagId, body)


handler = update_tag.handler
