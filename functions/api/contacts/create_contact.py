"""POST /api/v1/contacts: create a contact (201)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.contacts import Contact, ContactCreate
from contact_platform.services import contacts


@endpoint("create_contact")
def create_contact(body: ContactCreate) -> Contact:
    return contacts.create_contact(caller(), body)


handler = create_contact.handler
