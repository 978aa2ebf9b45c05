"""POST /api/v1/admin/contacts/{contactId}/restore: undo a soft delete (admins)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.contacts import Contact
from contact_platform.services import contacts


@endpoint("restore_contact")
def restore_contact(contactId: str) -> Contact:
    return contacts.restore_contact(caller(), contactId)


handler = restore_contact.handler
