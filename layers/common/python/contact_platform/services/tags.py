"""Tags: create, list, read, change and delete them; tag and untag single contacts.

Contacts carry tag names; every name a contact carries is a tag of the tenant, made on first use by
the contact write path (store/contacts.py), which also keeps each tag's `contactCount`. The tag's
folded name (`search_terms.fold`) is what the `tag` filter and the assignment index use.
"""

from __future__ import annotations

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.models.contacts import Contact
from contact_platform.models.operations import OperationAccepted
from contact_platform.models.paging import Listing
from contact_platform.models.tags import Tag, TagCreate, TagListQuery, TagPatch
from contact_platform.permissions import Caller
from contact_platform.services import audit, operations, search_terms
from contact_platform.services.contacts import retag_contact
from contact_platform.services.listing import named_list
from contact_platform.store import tags as store
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.tags import TagItem

ENTITY = "tag"
_BUSY = "Tag is being renamed or deleted; retry when that job has finished"


def _to_api(item: TagItem, caller: Caller) -> Tag:
    """`contactCount` counts every contact of the tenant, so only roles that see them all are told it
    (docs/architecture.md, "API conventions"): to a `user` or a partner it would tell of contacts it may not see."""
    return Tag(
        id=item.tag_id,
        name=item.name,
        color=item.color,
        description=item.description,
        contactCount=max(int(item.contact_count or 0), 0) if caller.sees_all_records else None,
        renamingTo=item.renaming_to,
        renameOperationId=item.renaming_operation_id,
        createdAt=item.created_at,
        createdBy=item.created_by,
        updatedAt=item.updated_at or item.created_at,
    )


def _name_conflict(name: str, taken: UniqueValueTaken) -> errors.ApiError:
    """Tags are tenant-wide (every caller who may write tags may read them all), so a taken name
    names the tag holding it (docs/architecture.md, API conventions)."""
    return errors.value_taken(entity="tag", field="name", value=name, holder_id=taken.owner_id)


def active_tag(caller: Caller, tag_id: str) -> TagItem:
    """The tenant's tag, or 404 (a tag being deleted is gone already)."""
    item = store.get_tag(caller.tenant_id, tag_id)
    if item is None or item.state != store.ACTIVE:
        raise errors.not_found("Tag")
    return item


def current_name(tag: TagItem) -> str:
    """The name a contact takes the tag by: the new one as soon as a rename has started."""
    return tag.renaming_to or tag.name


def create_tag(caller: Caller, body: TagCreate) -> Tag:
    now = clock.now()
    tag_id = new_id("tag")
    item = store.new_tag(
        caller.tenant_id,
        tag_id,
        name=body.name,
        tag_key=search_terms.fold(body.name),
        color=body.color,
        description=body.description,
        at=clock.iso(now),
        by=caller.user_id,
    )
    entry = audit.entry(caller, entity_type=ENTITY, entity_id=tag_id, action="tag.created", at=now, changed=["name"])
    try:
        store.create(item, entry)
    except UniqueValueTaken as taken:
        raise _name_conflict(body.name, taken) from taken
    return _to_api(item, caller)


def get_tag(caller: Caller, tag_id: str) -> Tag:
    return _to_api(active_tag(caller, tag_id), caller)


def list_tags(caller: Caller, query: TagListQuery) -> Listing[Tag]:
    """By name, A to Z; with `search`, those whose folded name begins with it (one Query either way);
    with `ids`, the active tags of those IDs in their order (services/listing.named_list)."""
    return named_list(
        query,
        tenant_id=caller.tenant_id,
        name="tags",
        id_prefix="tag",
        pages=store.list_tags,
        by_id=store.get_tags,
        to_api=lambda item: _to_api(item, caller),
        shown=lambda item: item.state == store.ACTIVE,
    )


def update_tag(caller: Caller, tag_id: str, patch: TagPatch) -> Tag:
    """Colour and description change at once; a new name is reserved at once and a tagging job
    (action "rename") renames the tag on every contact holding it."""
    item = active_tag(caller, tag_id)
    sent = patch.model_fields_set
    now = clock.now()
    if {"color", "description"} & sent:
        color = patch.color if "color" in sent else item.color
        description = patch.description if "description" in sent else item.description
        if (color, description) != (item.color, item.description):
            changed = sorted({"color", "description"} & sent)
            entry = audit.entry(
                caller, entity_type=ENTITY, entity_id=tag_id, action="tag.updated", at=now, changed=changed
            )
            try:
                store.update(item, entry, color=color, description=description, at=clock.iso(now))
            except StaleVersion:
                raise errors.not_found("Tag") from None
            item.color, item.description, item.updated_at = color, description, clock.iso(now)
    if patch.name is not None and patch.name != current_name(item):
        _rename(caller, item, patch.name)
    return _to_api(item, caller)


def _rename(caller: Caller, item: TagItem, name: str) -> None:
    """Reserve the new name and start the rename job; `item` shows the pending rename."""
    if item.renaming_key is not None:
        raise errors.conflict(_BUSY, [Detail("name", "a rename of this tag is running")])
    operation = operations.new_operation(
        caller,
        "tagging",
        {
            "action": "rename",
            "tagId": item.tag_id,
            "tagName": item.name,
            "tagKey": item.tag_key,
            "newName": name,
            "newKey": search_terms.fold(name),
        },
    )
    entry = audit.entry(
        caller, entity_type=ENTITY, entity_id=item.tag_id, action="tag.renamed", at=clock.now(), changed=["name"]
    )
    try:
        store.reserve_name(
            item, name=name, tag_key=search_terms.fold(name), operation_id=operation.operation_id, audit=entry
        )
    except UniqueValueTaken as taken:
        raise _name_conflict(name, taken) from taken
    except StaleVersion:
        raise errors.conflict(_BUSY, [Detail("name", "the tag is being renamed or deleted")]) from None
    operations.start(caller, operation, "tagging.started")
    item.renaming_to, item.renaming_operation_id = name, operation.operation_id


def delete_tag(caller: Caller, tag_id: str) -> OperationAccepted:
    """The tag leaves lists at once; a tagging job removes it from every contact, then frees its name."""
    item = active_tag(caller, tag_id)
    if item.renaming_key is not None:
        raise errors.conflict(_BUSY)
    operation = operations.new_operation(
        caller, "tagging", {"action": "remove", "tagId": tag_id, "tagName": item.name, "tagKey": item.tag_key}
    )
    entry = audit.entry(caller, entity_type=ENTITY, entity_id=tag_id, action="tag.deleted", at=clock.now(), changed=[])
    try:
        store.mark_deleting(item, operation.operation_id, entry)
    except StaleVersion:
        raise errors.conflict(_BUSY) from None
    operations.start(caller, operation, "tagging.started")
    return operations.accepted(operation)


def tag_contact(caller: Caller, contact_id: str, tag_id: str, if_match: str | None) -> Contact:
    tag = active_tag(caller, tag_id)
    return retag_contact(caller, contact_id, add=[current_name(tag)], remove=set(), if_match=if_match)


def untag_contact(caller: Caller, contact_id: str, tag_id: str, if_match: str | None) -> Contact:
    tag = active_tag(caller, tag_id)
    removed = {tag.tag_key, tag.renaming_key or tag.tag_key}
    return retag_contact(caller, contact_id, add=[], remove=removed, if_match=if_match)
