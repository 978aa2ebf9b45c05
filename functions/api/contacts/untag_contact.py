"""DELETE /api/v1/contacts/{contactId}/tags/{tagId}: take a tag off one contact; honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.contacts import Contact
from contact_platform.services import tags


@endpoint("untag_contact")
def untag_contact(contactId: str, tagId: str, if_match: IfMatch = None) -> Contact:
    return tags.untag_contact(caller(), contactId, tagId, if_match)


handler = untag_contact.handler
