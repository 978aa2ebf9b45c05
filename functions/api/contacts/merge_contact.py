"""POST /api/v1/contacts/{contactId}/merge: merge a duplicate into the contact `mergeWithId`; If-Match
holds the duplicate's version."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch, Query
from contact_platform.models.contacts import Contact
from contact_platform.models.merges import MergeBody, Merged, MergeQuery
from contact_platform.services import contacts


@endpoint("merge_contact")
def merge_contact(
    contactId: str, body: MergeBody, query: Annotated[MergeQuery, Query()], if_match: IfMatch = None
) -> Merged[Contact]:
    return contacts.merge_contact(caller(), contactId, body.mergeWithId, query.dryRun, if_match)


handler = merge_contact.handler
