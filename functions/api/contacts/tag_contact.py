"""PUT /api/v1/contacts/{contactId}/tags/{tagId}: tag one contact (repeating it changes nothing); honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.contacts import Contact
from contact_platform.services import tags


@endpoint("tag_contact")
def tag_contact(contactId: str, tagId: str, if_match: IfMatch = None) -> Contact:
    return tags.tag_contact(caller(), contactId, tagId, if_match)


handler = tag_contact.handler
