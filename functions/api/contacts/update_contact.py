"""PATCH /api/v1/contacts/{contactId}: change the fields sent; honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.contacts import Contact, ContactPatch
from contact_platform.services import contacts


@endpoint("update_contact")
def update_contact(contactId: str, body: ContactPatch, if_match: IfMatch = None) -> Contact:
    return contacts.update_contact(caller(), contactId, body, if_match)


handler = update_contact.handler
