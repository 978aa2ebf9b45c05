"""GET /api/v1/contacts: a page of active contacts, filtered, sorted or searched."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.contacts import Contact, ContactListQuery
from contact_platform.models.paging import Listing
from contact_platform.services import contact_lists


@endpoint("list_contacts")
def list_contacts(query: Annotated[ContactListQuery, Query()]) -> Listing[Contact]:
    return contact_lists.list_contacts(caller(), query)


handler = list_contacts.handler
