"""Tags: a named label, unique per tenant by a name guard. Contacts carry tag *names* (store/contacts.py);
a tag being deleted keeps its guard until the job that removes it from its contacts has finished, so
the name cannot be taken again while that runs."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, transaction

TAG_SK = "TAG"
ACTIVE = "active"
DELETING = "deleting"


class TagItem(Item, discriminator="tag"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    tag_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    tag_key = UnicodeAttribute(attr_name="tagKey")
    color = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default=ACTIVE)
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    deleting_operation_id = UnicodeAttribute(null=True, attr_name="deletingOperationId")


class TagNameGuard(Item, discriminator="tag-name"):
    tag_id = UnicodeAttribute(attr_name="tagId")


def new_tag(tenant_id: str, tag_id: str, *, name: str, tag_key: str, color: str | None, at: str, by: str) -> TagItem:
    return TagItem(
        pk=keys.tag_pk(tenant_id, tag_id),
        sk=TAG_SK,
        gsi1pk=keys.tags_collection(tenant_id),
        gsi1sk=f"{tag_key}#{tag_id}",
        tenant_id=tenant_id,
        tag_id=tag_id,
        name=name,
        tag_key=tag_key,
        color=color,
        created_at=at,
        created_by=by,
    )


def get_tag(tenant_id: str, tag_id: str) -> TagItem | None:
    try:
        return TagItem.get(keys.tag_pk(tenant_id, tag_id), TAG_SK, consistent_read=True)
    except DoesNotExist:
        return None


def list_tags(tenant_id: str, *, limit: int, start: LastKey | None) -> Page[TagItem]:
    """Tags by name (folded), A to Z."""
    return query_page(TagItem.gsi1, keys.tags_collection(tenant_id), limit=limit, start=start)


def create(tag: TagItem, audit: AuditItem) -> None:
    """The tag and its name guard in one transaction; UniqueValueTaken when the name is in use."""
    guard = TagNameGuard(pk=keys.tag_name_guard_pk(tag.tenant_id, tag.tag_key), sk=keys.GUARD_SK, tag_id=tag.tag_id)
    try:
        with transaction() as tx:
            tx.save(tag, condition=TagItem.pk.does_not_exist())
            tx.save(guard, condition=TagNameGuard.pk.does_not_exist(), return_values="ALL_OLD")
            tx.save(audit)
    except TransactWriteError as error:
        owner = next((r.raw_item for r in error.cancellation_reasons or [] if r and r.raw_item), None)
        if owner and "tagId" in owner:
            raise UniqueValueTaken(tag.name, owner["tagId"]["S"]) from error
        raise


def mark_deleting(tag: TagItem, operation_id: str, audit: AuditItem) -> None:
    """The tag leaves lists and cannot be assigned; StaleVersion when it is already being deleted."""
    tag.state = DELETING
    tag.deleting_operation_id = operation_id
    tag.gsi1pk = None
    tag.gsi1sk = None
    try:
        with transaction() as tx:
            tx.save(tag, condition=TagItem.state == ACTIVE)
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(tag.tag_id) from error


def remove(tag: TagItem) -> None:
    """Delete the tag and release its name (the removal job's last step); safe to repeat."""
    guard = TagNameGuard(pk=keys.tag_name_guard_pk(tag.tenant_id, tag.tag_key), sk=keys.GUARD_SK)
    with transaction() as tx:
        tx.delete(tag)
        tx.delete(guard, condition=TagNameGuard.pk.does_not_exist() | (TagNameGuard.tag_id == tag.tag_id))
