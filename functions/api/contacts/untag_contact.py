"""DELETE /api/v1/contacts/{contactId}/tags/{tagId}: take a tag off one contact."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.contacts import Contact
from contact_platform.services import tags


@endpoint("untag_contact")
def untag_contact(contactId: str, tagId: str) -> Contact:
    return tags.untag_contact(caller(), contactId, tagId)


handler = untag_contact.handler
