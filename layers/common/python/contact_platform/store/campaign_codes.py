"""A campaign's code assignments (docs/data-model.md, "Campaigns"): one item per code given to an
entry by a code wave (services/code_waves.py), keyed by the campaign and the code, so that a code goes
to one entry at most: the item is written on the condition it does not exist, in the same transaction
as the entry's new `code` (store/records.write's `claims`). Listed per campaign (GSI1) and per wave's
`dateKey` (GSI5), oldest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import UnicodeAttribute

from contact_platform.ids import derived_id
from contact_platform.store import keys
from contact_platform.store.paging import LastKey, Page, index_page
from contact_platform.store.table import Item

ASSIGNMENT_SK = "ASSIGNMENT"
BATCH_KEYS = 100


class CodeAssignmentItem(Item, discriminator="code-assignment"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    assignment_id = UnicodeAttribute(attr_name="assignmentId")
    campaign_id = UnicodeAttribute(attr_name="campaignId")
    entry_id = UnicodeAttribute(attr_name="entryId")
    contact_id = UnicodeAttribute(attr_name="contactId")
    code = UnicodeAttribute()
    date_key = UnicodeAttribute(attr_name="dateKey")
    assigned_at = UnicodeAttribute(attr_name="assignedAt")


def assignment_id_of(tenant_id: str, campaign_id: str, code: str) -> str:
    """Derived from the campaign and the code: the same code is the same assignment, whoever tries it."""
    return derived_id("casg", f"{tenant_id}|{campaign_id}|{code}")


def new_assignment(
    tenant_id: str, campaign_id: str, code: str, *, entry_id: str, contact_id: str, date_key: str, at: str
) -> CodeAssignmentItem:
    assignment_id = assignment_id_of(tenant_id, campaign_id, code)
    created = keys.sortable(at, assignment_id)
    return CodeAssignmentItem(
        pk=keys.code_assignment_pk(tenant_id, campaign_id, code),
        sk=ASSIGNMENT_SK,
        tenant_id=tenant_id,
        assignment_id=assignment_id,
        campaign_id=campaign_id,
        entry_id=entry_id,
        contact_id=contact_id,
        code=code,
        date_key=date_key,
        assigned_at=at,
        gsi1pk=keys.code_assignments_collection(tenant_id, campaign_id),
        gsi1sk=created,
        gsi5pk=keys.code_assignments_collection(tenant_id, campaign_id, date_key),
        gsi5sk=created,
    )


def assigned(tenant_id: str, campaign_id: str, codes: Iterable[str]) -> dict[str, CodeAssignmentItem]:
    """The codes of those given that are assigned in the campaign, with their assignments
    (BatchGetItem, consistent, 100 keys a request)."""
    wanted = [(keys.code_assignment_pk(tenant_id, campaign_id, code), ASSIGNMENT_SK) for code in dict.fromkeys(codes)]
    found = CodeAssignmentItem.batch_get(wanted, consistent_read=True) if wanted else []
    return {item.code: item for item in found}


def assignment_page(
    tenant_id: str, campaign_id: str, date_key: str | None, *, limit: int, start: LastKey | None
) -> Page[CodeAssignmentItem]:
    """One Query: the campaign's assignments (or one `dateKey`'s), oldest first."""
    index = "GSI1" if date_key is None else "GSI5"
    partition = keys.code_assignments_collection(tenant_id, campaign_id, date_key)
    return index_page(CodeAssignmentItem, index, partition, limit=limit, start=start, forward=True)


def as_api(item: CodeAssignmentItem) -> dict[str, Any]:
    """An assignment as the API (and the exports) name its fields."""
    return {
        "assignmentId": item.assignment_id,
        "campaignId": item.campaign_id,
        "entryId": item.entry_id,
        "contactId": item.contact_id,
        "code": item.code,
        "dateKey": item.date_key,
        "assignedAt": item.assigned_at,
    }
