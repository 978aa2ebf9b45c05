"""PATCH /api/v1/contacts/{contactId}: change the fields sent; honours If-Match."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Header
from contact_platform.models.contacts import Contact, ContactPatch
from contact_platform.models.fields import ETag
from contact_platform.services import contacts


@endpoint("update_contact")
def update_contact(
    contactId: str, body: ContactPatch, if_match: Annotated[ETag | None, Header(alias="If-Match")] = None
) -> Contact:
    return contacts.update_contact(caller(), contactId, body, if_match)


handler = update_contact.handler
