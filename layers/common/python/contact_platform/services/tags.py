"""Tags: create, list and delete them; tag and untag single contacts. Contacts carry tag names; the
tag's folded name (`search_terms.fold`) is what the `tag` filter and the assignment index use."""

from __future__ import annotations

from contact_platform import clock, errors
from contact_platform.cursor import decode_cursor, encode_cursor
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.models.contacts import Contact
from contact_platform.models.operations import OperationAccepted
from contact_platform.models.paging import Listing, PageQuery
from contact_platform.models.tags import Tag, TagCreate
from contact_platform.permissions import Caller
from contact_platform.services import audit, operations, search_terms
from contact_platform.services.contacts import retag_contact
from contact_platform.store import tags as store
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.tags import TagItem

ENTITY = "tag"


def _to_api(item: TagItem) -> Tag:
    return Tag(id=item.tag_id, name=item.name, color=item.color, createdAt=item.created_at, createdBy=item.created_by)


def active_tag(caller: Caller, tag_id: str) -> TagItem:
    """The tenant's tag, or 404 (a tag being deleted is gone already)."""
    item = store.get_tag(caller.tenant_id, tag_id)
    if item is None or item.state != store.ACTIVE:
        raise errors.not_found("Tag")
    return item


def create_tag(caller: Caller, body: TagCreate) -> Tag:
    now = clock.now()
    tag_id = new_id("tag")
    item = store.new_tag(
        caller.tenant_id,
        tag_id,
        name=body.name,
        tag_key=search_terms.fold(body.name),
        color=body.color,
        at=clock.iso(now),
        by=caller.user_id,
    )
    entry = audit.entry(caller, entity_type=ENTITY, entity_id=tag_id, action="tag.created", at=now, changed=["name"])
    try:
        store.create(item, entry)
    except UniqueValueTaken as taken:
        raise errors.conflict(
            f"A tag named {body.name} already exists: {taken.owner_id}",
            [Detail("name", f"already used by tag {taken.owner_id}")],
        ) from taken
    return _to_api(item)


def list_tags(caller: Caller, query: PageQuery) -> Listing[Tag]:
    binding = f"tags|{caller.tenant_id}"
    page = store.list_tags(caller.tenant_id, limit=query.limit, start=decode_cursor(query.cursor, binding))
    return Listing(
        items=[_to_api(i) for i in page.items], nextCursor=encode_cursor(page.last_key, binding), limit=query.limit
    )


def delete_tag(caller: Caller, tag_id: str) -> OperationAccepted:
    """The tag leaves lists at once; a tagging job removes it from every contact, then frees its name."""
    item = active_tag(caller, tag_id)
    operation = operations.new_operation(
        caller, "tagging", {"action": "remove", "tagId": tag_id, "tagName": item.name, "tagKey": item.tag_key}
    )
    entry = audit.entry(caller, entity_type=ENTITY, entity_id=tag_id, action="tag.deleted", at=clock.now(), changed=[])
    try:
        store.mark_deleting(item, operation.operation_id, entry)
    except StaleVersion:
        raise errors.not_found("Tag") from None
    operations.start(caller, operation, "tagging.started")
    return operations.accepted(operation)


def tag_contact(caller: Caller, contact_id: str, tag_id: str) -> Contact:
    tag = active_tag(caller, tag_id)
    return retag_contact(caller, contact_id, add=[tag.name], remove=set())


def untag_contact(caller: Caller, contact_id: str, tag_id: str) -> Contact:
    tag = active_tag(caller, tag_id)
    return retag_contact(caller, contact_id, add=[], remove={tag.tag_key})
