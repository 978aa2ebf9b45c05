"""DELETE /api/v1/contacts/{contactId}: soft delete (restorable by admins for 90 days); honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.contacts import ContactDeleted
from contact_platform.services import contacts


@endpoint("delete_contact")
def delete_contact(contactId: str, if_match: IfMatch = None) -> ContactDeleted:
    return contacts.delete_contact(caller(), contactId, if_match)


handler = delete_contact.handler
