"""Tags: the tenant's labels, one item per tag, unique per tenant by a name guard (docs/data-model.md, Tags).

Contacts carry tag *names* (store/contacts.py). Every tag a contact holds is a tag item: the contact
write path (`TagChanges`, `put_changes`) creates the tag on first use and keeps its `contactCount` in
the same transaction as the contact writes, one update per tag per transaction.

A tag being deleted keeps its guard until the job that removes it from its contacts has finished, so
the name cannot be taken again while that runs. A tag being renamed holds two guards (the old name and
the reserved new one) until the rename job has moved every contact to the new name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from contact_platform.ids import new_id
from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item, set_or_remove, transaction

TAG_SK = "TAG"
ACTIVE = "active"
DELETING = "deleting"
_GUARD_MARKER = "#TAGNAME#"


class TagItem(Item, discriminator="tag"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    tag_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    tag_key = UnicodeAttribute(attr_name="tagKey")
    color = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    contact_count = NumberAttribute(default=0, attr_name="contactCount")
    state = UnicodeAttribute(default=ACTIVE)
    created_at = UnicodeAttribute(attr_name="createdAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    updated_at = UnicodeAttribute(null=True, attr_name="updatedAt")
    deleting_operation_id = UnicodeAttribute(null=True, attr_name="deletingOperationId")
    # A rename in progress: the reserved name, its folded key and the job moving contacts to it.
    renaming_to = UnicodeAttribute(null=True, attr_name="renamingTo")
    renaming_key = UnicodeAttribute(null=True, attr_name="renamingKey")
    renaming_operation_id = UnicodeAttribute(null=True, attr_name="renamingOperationId")


class TagNameGuard(Item, discriminator="tag-name"):
    tag_id = UnicodeAttribute(attr_name="tagId")
    name = UnicodeAttribute(null=True)  # the tag's spelling of the name


def _tag_ref(tenant_id: str, tag_id: str) -> TagItem:
    """The tag's key only, for an update that must not overwrite what it does not name."""
    return TagItem(pk=keys.tag_pk(tenant_id, tag_id), sk=TAG_SK)


def _guard(tenant_id: str, tag_key: str, tag_id: str | None = None, name: str | None = None) -> TagNameGuard:
    return TagNameGuard(pk=keys.tag_name_guard_pk(tenant_id, tag_key), sk=keys.GUARD_SK, tag_id=tag_id, name=name)


def new_tag(
    tenant_id: str,
    tag_id: str,
    *,
    name: str,
    tag_key: str,
    at: str,
    by: str,
    color: str | None = None,
    description: str | None = None,
    contact_count: int = 0,
) -> TagItem:
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
        description=description,
        contact_count=contact_count,
        created_at=at,
        created_by=by,
        updated_at=at,
    )


# Reading ---------------------------------------------------------------------------------------


def get_tag(tenant_id: str, tag_id: str) -> TagItem | None:
    return get_item(TagItem, keys.tag_pk(tenant_id, tag_id), TAG_SK)


def get_tags(tenant_id: str, tag_ids: list[str]) -> dict[str, TagItem]:
    """Tag ID -> tag (BatchGetItem); unknown IDs are absent."""
    wanted = [(keys.tag_pk(tenant_id, tag_id), TAG_SK) for tag_id in dict.fromkeys(tag_ids)]
    if not wanted:
        return {}
    return {item.tag_id: item for item in TagItem.batch_get(wanted, consistent_read=True)}


def name_guards(tenant_id: str, tag_keys: list[str]) -> dict[str, TagNameGuard]:
    """Folded tag name -> its guard (which tag holds the name), one BatchGetItem per 100 names."""
    wanted = [(keys.tag_name_guard_pk(tenant_id, key), keys.GUARD_SK) for key in dict.fromkeys(tag_keys)]
    if not wanted:
        return {}
    found = TagNameGuard.batch_get(wanted, consistent_read=True)
    return {guard.pk.split(_GUARD_MARKER, 1)[1]: guard for guard in found}


def list_tags(tenant_id: str, *, limit: int, start: LastKey | None, prefix: str | None = None) -> Page[TagItem]:
    """Tags by name (folded), A to Z; with `prefix`, those whose folded name begins with it."""
    condition = TagItem.gsi1sk.startswith(prefix) if prefix else None
    return query_page(TagItem.gsi1, keys.tags_collection(tenant_id), limit=limit, start=start, condition=condition)


# The contact write path --------------------------------------------------------------------------


@dataclass
class TagChanges:
    """What one transaction's contact writes do to the tenant's tags: per folded name, how many
    contacts took it and how many gave it up, and the spelling it was given (for a tag made now)."""

    tenant_id: str
    gained: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, before: dict[str, str], after: dict[str, str]) -> None:
        """One contact's held tags (folded name -> name) before and after its write."""
        for key in after.keys() - before.keys():
            self.gained[key] += 1
            self.names.setdefault(key, after[key])
        for key in before.keys() - after.keys():
            self.lost[key] += 1

    @property
    def touched(self) -> list[str]:
        return sorted(self.gained.keys() | self.lost.keys())

    def new_names(self, guards: dict[str, TagNameGuard]) -> dict[str, str]:
        """Folded name -> spelling of the names taken that no tag holds yet."""
        return {key: self.names[key] for key in self.touched if self.gained[key] and key not in guards}

    def size(self, guards: dict[str, TagNameGuard]) -> int:
        """The transaction items `put_changes` adds: two per tag it makes, one per tag it counts."""
        counted = {guards[key].tag_id for key in self.touched if key in guards}
        return 2 * len(self.new_names(guards)) + len(counted)


def create_tags(tenant_id: str, names: dict[str, str], *, at: str, by: str) -> None:
    """Make tags with no holders yet (folded name -> spelling), for a contact write too large to make
    them itself; a name taken meanwhile is left to the tag that took it."""
    try:
        with transaction() as tx:
            for key, name in names.items():
                tag = new_tag(tenant_id, new_id("tag"), name=name, tag_key=key, at=at, by=by)
                tx.save(tag, condition=TagItem.pk.does_not_exist())
                tx.save(_guard(tenant_id, key, tag.tag_id, name), condition=TagNameGuard.pk.does_not_exist())
    except TransactWriteError as error:
        if error.cause_response_code != "TransactionCanceledException":
            raise


def _assignable(tag_keys: set[str]) -> Condition:
    """The tag is active and each of `tag_keys` is its name (no rename pending) or its reserved new name."""
    condition: Condition = TagItem.state == ACTIVE
    for key in sorted(tag_keys):
        condition &= ((TagItem.tag_key == key) & TagItem.renaming_key.does_not_exist()) | (TagItem.renaming_key == key)
    return condition


def put_changes(tx: TransactWrite, changes: TagChanges, guards: dict[str, TagNameGuard], *, at: str, by: str) -> None:
    """Add the tag items of `changes` to a transaction: a name no tag holds becomes a new tag (with its
    guard), every other tag gets one conditional `ADD contactCount` for the net change of all its
    names (a transaction touches an item once; a tag being renamed is reached by two names)."""
    per_tag: dict[str, tuple[int, set[str]]] = {}
    for key in changes.touched:
        guard = guards.get(key)
        if guard is None:
            if changes.gained[key]:
                tag = new_tag(
                    changes.tenant_id,
                    new_id("tag"),
                    name=changes.names[key],
                    tag_key=key,
                    at=at,
                    by=by,
                    contact_count=changes.gained[key],
                )
                tx.save(tag, condition=TagItem.pk.does_not_exist())
                tx.save(
                    _guard(changes.tenant_id, key, tag.tag_id, tag.name),
                    condition=TagNameGuard.pk.does_not_exist(),
                    return_values="ALL_OLD",
                )
            continue  # a name no tag holds, given up (kept from before tags were items): nothing to count
        delta, added = per_tag.get(guard.tag_id, (0, set()))
        if changes.gained[key]:
            added = added | {key}
        per_tag[guard.tag_id] = (delta + changes.gained[key] - changes.lost[key], added)
    for tag_id, (delta, added) in per_tag.items():
        condition = TagItem.pk.exists()
        if added:
            condition &= _assignable(added)
        tx.update(
            _tag_ref(changes.tenant_id, tag_id),
            actions=[TagItem.contact_count.add(delta)],
            condition=condition,
            return_values="ALL_OLD",
        )


# Tag writes ------------------------------------------------------------------------------------


def _taken(error: TransactWriteError, value: str) -> UniqueValueTaken | None:
    owner = next((r.raw_item for r in error.cancellation_reasons or [] if r and r.raw_item), None)
    if owner and owner.get("kind", {}).get("S") == "tag-name":
        return UniqueValueTaken(value, owner["tagId"]["S"])
    return None


def create(tag: TagItem, audit: AuditItem) -> None:
    """The tag and its name guard in one transaction; UniqueValueTaken when the name is in use."""
    guard = _guard(tag.tenant_id, tag.tag_key, tag.tag_id, tag.name)
    try:
        with transaction() as tx:
            tx.save(tag, condition=TagItem.pk.does_not_exist())
            tx.save(guard, condition=TagNameGuard.pk.does_not_exist(), return_values="ALL_OLD")
            tx.save(audit)
    except TransactWriteError as error:
        raise _taken(error, tag.name) or error from error


def update(tag: TagItem, audit: AuditItem, *, color: str | None, description: str | None, at: str) -> None:
    """Set colour and description of an active tag; StaleVersion when it is being deleted or gone."""
    try:
        with transaction() as tx:
            tx.update(
                tag,
                actions=[
                    set_or_remove(TagItem.color, color),
                    set_or_remove(TagItem.description, description),
                    TagItem.updated_at.set(at),
                ],
                condition=TagItem.state == ACTIVE,
            )
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(tag.tag_id) from error


def reserve_name(tag: TagItem, *, name: str, tag_key: str, operation_id: str, audit: AuditItem) -> None:
    """Start a rename: the new name's guard is the tag's at once (UniqueValueTaken when another tag
    holds it) and the tag records the pending name; StaleVersion when it is being deleted or renamed."""
    guard = _guard(tag.tenant_id, tag_key, tag.tag_id, name)
    try:
        with transaction() as tx:
            tx.save(
                guard,
                condition=TagNameGuard.pk.does_not_exist() | (TagNameGuard.tag_id == tag.tag_id),
                return_values="ALL_OLD",
            )
            tx.update(
                tag,
                actions=[
                    TagItem.renaming_to.set(name),
                    TagItem.renaming_key.set(tag_key),
                    TagItem.renaming_operation_id.set(operation_id),
                ],
                condition=(TagItem.state == ACTIVE) & TagItem.renaming_key.does_not_exist(),
            )
            tx.save(audit)
    except TransactWriteError as error:
        raise _taken(error, name) or StaleVersion(tag.tag_id) from error


def finish_rename(tag: TagItem, operation_id: str, at: str) -> None:
    """The rename job's last step: the tag takes its new name and frees the old one; safe to repeat."""
    if tag.renaming_operation_id != operation_id or tag.renaming_key is None or tag.renaming_to is None:
        return
    old_key, new_key = tag.tag_key, tag.renaming_key
    with transaction() as tx:
        tx.update(
            tag,
            actions=[
                TagItem.name.set(tag.renaming_to),
                TagItem.tag_key.set(new_key),
                TagItem.gsi1sk.set(f"{new_key}#{tag.tag_id}"),
                TagItem.updated_at.set(at),
                TagItem.renaming_to.remove(),
                TagItem.renaming_key.remove(),
                TagItem.renaming_operation_id.remove(),
            ],
            condition=TagItem.renaming_operation_id == operation_id,
        )
        if old_key != new_key:
            tx.delete(_guard(tag.tenant_id, old_key), condition=TagNameGuard.tag_id == tag.tag_id)


def mark_deleting(tag: TagItem, operation_id: str, audit: AuditItem) -> None:
    """The tag leaves lists and cannot be assigned; StaleVersion when it is already being deleted or
    is being renamed."""
    tag.state = DELETING
    tag.deleting_operation_id = operation_id
    tag.gsi1pk = None
    tag.gsi1sk = None
    try:
        with transaction() as tx:
            tx.save(tag, condition=(TagItem.state == ACTIVE) & TagItem.renaming_key.does_not_exist())
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(tag.tag_id) from error


def remove(tag: TagItem) -> None:
    """Delete the tag and release its name (the removal job's last step); safe to repeat."""
    guard = _guard(tag.tenant_id, tag.tag_key)
    with transaction() as tx:
        tx.delete(tag)
        tx.delete(guard, condition=TagNameGuard.pk.does_not_exist() | (TagNameGuard.tag_id == tag.tag_id))
