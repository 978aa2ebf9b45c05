"""DELETE /api/v1/tags/{tagId}: delete a tag; a job removes it from its contacts (202)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.operations import OperationAccepted
from contact_platform.services import tags


@endpoint("delete_tag")
def delete_tag(tagId: str) -> OperationAccepted:
    return tags.delete_tag(caller(), tagId)


handler = delete_tag.handler
