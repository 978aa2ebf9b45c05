"""GET /api/v1/admin/contacts/deleted: soft-deleted contacts not yet purged (admins)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.contacts import Contact
from contact_platform.models.paging import DeletedQuery, Listing
from contact_platform.services import contact_lists


@endpoint("list_deleted_contacts")
def list_deleted_contacts(query: Annotated[DeletedQuery, Query()]) -> Listing[Contact]:
    return contact_lists.list_deleted_contacts(
        caller(), deleted_since=query.deletedSince, limit=query.limit, cursor=query.cursor
    )


handler = list_deleted_contacts.handler
