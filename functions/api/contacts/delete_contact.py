"""DELETE /api/v1/contacts/{contactId}: soft delete (restorable by admins for 90 days)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.contacts import ContactDeleted
from contact_platform.services import contacts


@endpoint("delete_contact")
def delete_contact(contactId: str) -> ContactDeleted:
    return contacts.delete_contact(caller(), contactId)


handler = delete_contact.handler
