"""GET /api/v1/contacts/{contactId}: one active contact, with its version as ETag."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.contacts import Contact
from contact_platform.services import contacts


@endpoint("get_contact")
def get_contact(contactId: str) -> Contact:
    return contacts.get_contact(caller(), contactId)


handler = get_contact.handler
