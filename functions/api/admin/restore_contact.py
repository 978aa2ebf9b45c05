"""POST /api/v1/admin/contacts/{contactId}/restore: undo a soft delete (admins); honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.contacts import Contact
from contact_platform.services import contacts


@endpoint("restore_contact")
def restore_contact(contactId: str, if_match: IfMatch = None) -> Contact:
    return contacts.restore_contact(caller(), contactId, if_match)


handler = restore_contact.handler
