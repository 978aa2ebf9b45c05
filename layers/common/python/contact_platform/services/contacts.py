"""Contacts: create, read, list and search, update, soft delete and restore."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from contact_platform import clock, errors
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.models.contacts import (
    Contact,
    ContactCreate,
    ContactDeleted,
    ContactPatch,
)
from contact_platform.models.fields import MAX_EMAILS, MAX_PHONES, MAX_TAGS
from contact_platform.permissions import Caller
from contact_platform.services import audit, search_terms
from contact_platform.services.users import require_assignable_owner
from contact_platform.services.versions import Precondition
from contact_platform.store import contacts as store
from contact_platform.store.audit import AuditItem
from contact_platform.store.contacts import ContactItem, ContactWrite
from contact_platform.store.errors import StaleVersion, TagUnavailable, UniqueValueTaken

if TYPE_CHECKING:  # a merge's answer, built only by a merge
    from contact_platform.models.merges import Merged

RETENTION = timedelta(days=90)
ENTITY = "contact"
_WRITE_ATTEMPTS = 3

# Field name in the API -> attribute of ContactItem.
_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "name": "name",
    "emails": "emails",
    "phones": "phones",
    "organizationId": "organization_id",
    "ownerId": "owner_id",
    "tags": "tags",
    "consentGivenAt": "consent_given_at",
    "customFields": "custom_fields",
}


def to_api(item: ContactItem) -> Contact:
    return Contact(
        id=item.contact_id,
        firstName=item.first_name,
        lastName=item.last_name,
        name=item.name,
        emails=list(item.emails),
        phones=list(item.phones),
        organizationId=item.organization_id,
        ownerId=item.owner_id,
        tags=list(item.tags),
        consentGivenAt=item.consent_given_at,
        customFields=plain_map(item.custom_fields),
        isActive=item.is_active,
        createdAt=item.created_at,
        updatedAt=item.updated_at,
        deletedAt=item.deleted_at,
        deletedBy=item.deleted_by,
        mergedInto=item.merged_into,
        version=int(item.version),
    )


def plain_map(value: Any) -> dict[str, Any]:
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value or {})


def _stored(field: str, value: Any) -> Any:
    """An API value as it is kept on the item (`null` clears: lists and maps become empty)."""
    if isinstance(value, datetime):
        return clock.iso(value)
    if field in ("emails", "phones", "tags"):
        return list(value or [])  # repeats go in _derive
    if field == "customFields":
        return value or {}
    return value


def _full_name(item: ContactItem) -> str:
    return " ".join(part for part in (item.first_name, item.last_name) if part)


def _derive(item: ContactItem) -> None:
    """Recompute the derived state (name, lookup keys, tokens) from the fields."""
    item.name = item.name or _full_name(item)
    item.emails, item.email_keys = _distinct(item.emails, search_terms.email_key)
    item.tags, item.tag_keys = _distinct(item.tags, search_terms.fold)
    item.phones, item.phone_keys = _distinct(item.phones, search_terms.phone_key)
    item.last_name_key = search_terms.sort_name(item.last_name, item.name)
    item.search_tokens = search_terms.contact_tokens(
        first_name=item.first_name, last_name=item.last_name, name=item.name, emails=item.emails, phones=item.phones
    )


def _distinct(values: list[str], key: Callable[[str], str | None]) -> tuple[list[str], list[str]]:
    """The values without repeats by their key, the first of each kept in order (the first email is
    the primary): `Lead` and `lead` are one tag, `anna@x.example` and `ANNA@x.example` one email,
    `+49 170 1234567` and `0170 1234567` one phone. With the keys in the same order (the store pairs
    tags and their keys up: store/contacts.py); a value without a key is kept, unkeyed."""
    first: dict[str, str] = {}
    kept: list[str] = []
    for value in values:
        found = key(value)
        if found is None or found not in first:
            kept.append(value)
        if found is not None:
            first.setdefault(found, value)
    return kept, list(first)


def _tag_conflict(unavailable: TagUnavailable) -> errors.ApiError:
    return errors.conflict(
        f"The tag {unavailable.name} is being deleted or renamed; retry when that job has finished",
        [Detail("tags", f"{unavailable.name} is being deleted or renamed")],
    )


def readable_ids(caller: Caller, contact_ids: list[str]) -> set[str]:
    """Those of the contacts the caller may read (all for admins and managers: no read needed); the
    rule for naming the holder of a taken value (docs/architecture.md, API conventions)."""
    if caller.sees_all_records or not contact_ids:
        return set(contact_ids)
    found = store.get_contacts(caller.tenant_id, contact_ids)
    return {contact_id for contact_id, item in found.items() if item.is_active and caller.may_access(item.owner_id)}


def email_conflict(caller: Caller, taken: UniqueValueTaken) -> errors.ApiError:
    """409 naming the contact that holds the email only when the caller may read that contact."""
    readable = taken.owner_id in readable_ids(caller, [taken.owner_id])
    return errors.value_taken(
        entity="contact", field="emails", value=taken.value, holder_id=taken.owner_id if readable else None
    )


def is_gone(item: ContactItem, now: datetime) -> bool:
    return item.expires_at is not None and item.expires_at <= clock.epoch(now)


def _visible(caller: Caller, contact_id: str) -> ContactItem:
    """The caller's active contact, or 404 (never 403: another tenant's or user's contact does not exist)."""
    item = store.get_contact(caller.tenant_id, contact_id)
    if item is None or not item.is_active or not caller.may_access(item.owner_id):
        raise errors.not_found("Contact")
    return item


def _copy(item: ContactItem) -> ContactItem:
    return ContactItem.from_raw_data(item.serialize())


def _entry(caller: Caller, old: ContactItem | None, new: ContactItem, action: str, changed: list[str]) -> AuditItem:
    """The write's audit entry, with its event (the contact before and after, as the API returns it)."""
    return audit.entry(
        caller,
        entity_type=ENTITY,
        entity_id=new.contact_id,
        action=action,
        at=clock.parse_iso(new.updated_at),
        changed=changed,
        record=to_api(new),
        before=to_api(old) if old is not None else None,
    )


def _write(old: ContactItem | None, new: ContactItem, caller: Caller, action: str, changed: list[str]) -> None:
    entry = _entry(caller, old, new, action, changed)
    try:
        store.replace(old, new, entry)
    except UniqueValueTaken as taken:
        raise email_conflict(caller, taken) from taken
    except TagUnavailable as unavailable:
        raise _tag_conflict(unavailable) from unavailable


# Create, read ----------------------------------------------------------------------------------


def new_contact_write(caller: Caller, body: ContactCreate, contact_id: str) -> ContactWrite:
    """The write that creates a contact from `body` (owner: the body's, else the caller)."""
    owner_id = body.ownerId or caller.user_id
    now = clock.now()
    item = store.new_contact(
        caller.tenant_id, contact_id, owner_id=owner_id, created_by=caller.user_id, at=clock.iso(now)
    )
    sent = body.model_dump(exclude_unset=True)
    for field, attribute in _FIELDS.items():
        if field in sent and field != "ownerId":
            setattr(item, attribute, _stored(field, getattr(body, field)))
    _derive(item)
    return ContactWrite(None, item, _entry(caller, None, item, "contact.created", sorted(sent)))


def _require_organization(caller: Caller, organization_id: str | None) -> None:
    """422 unless it names an active organization the caller sees (services/organization_links.py)."""
    if organization_id:
        from contact_platform.services.organization_links import require_organization  # only when one is named

        require_organization(caller, organization_id)


def create_contact(caller: Caller, body: ContactCreate) -> Contact:
    require_assignable_owner(caller, body.ownerId or caller.user_id)
    _require_organization(caller, body.organizationId)
    write = new_contact_write(caller, body, new_id("con"))
    try:
        store.replace(None, write.new, write.audit)
    except UniqueValueTaken as taken:
        raise email_conflict(caller, taken) from taken
    except TagUnavailable as unavailable:
        raise _tag_conflict(unavailable) from unavailable
    return to_api(write.new)


def get_contact(caller: Caller, contact_id: str) -> Contact:
    return to_api(_visible(caller, contact_id))


# Update ----------------------------------------------------------------------------------------


def update_contact(caller: Caller, contact_id: str, patch: ContactPatch, if_match: str | None) -> Contact:
    precondition = Precondition.of(if_match, "Contact")
    sent = patch.model_dump(exclude_unset=True)
    if "ownerId" in sent:
        require_assignable_owner(caller, sent["ownerId"])
    _require_organization(caller, sent.get("organizationId"))
    for _ in range(_WRITE_ATTEMPTS):
        old = _visible(caller, contact_id)
        precondition.check(old.version)
        new = _copy(old)
        if "name" not in sent and old.name == _full_name(old):
            new.name = ""  # a derived name follows first and last name; one set explicitly stays
        for field in sent:
            setattr(new, _FIELDS[field], _stored(field, getattr(patch, field)))
        if not (new.name or new.first_name or new.last_name):
            raise errors.invalid([Detail("name", "one of name, firstName or lastName is required")])
        _derive(new)
        before, after = to_api(old).model_dump(), to_api(new).model_dump()
        changed = [field for field in sent if before[field] != after[field]]
        if not changed:
            return to_api(old)
        new.version = old.version + 1
        new.updated_at = clock.iso(clock.now())
        try:
            _write(old, new, caller, "contact.updated", changed)
        except StaleVersion:
            precondition.after_lost_race()
            continue
        return to_api(new)
    raise errors.busy("Contact")


def move_organization(caller: Caller, contact_id: str, from_id: str, to_id: str | None) -> bool:
    """Link an active contact of organization `from_id` to `to_id` instead (None: to none), whoever
    owns it: what a deleted or merged organization asks of its contacts (entities/references.py).
    False when the contact is gone or no longer of `from_id`."""
    for _ in range(_WRITE_ATTEMPTS):
        old = store.get_contact(caller.tenant_id, contact_id)
        if old is None or not old.is_active or old.organization_id != from_id:
            return False
        new = _copy(old)
        new.organization_id = to_id
        _derive(new)
        new.version = old.version + 1
        new.updated_at = clock.iso(clock.now())
        try:
            _write(old, new, caller, "contact.updated", ["organizationId"])
        except StaleVersion:
            continue
        return True
    raise errors.busy("Contact")


# Tags ------------------------------------------------------------------------------------------


def retagged(caller: Caller, old: ContactItem, *, add: list[str], remove: set[str]) -> ContactWrite | None:
    """The write that adds tag names `add` and removes tag keys `remove`; None when nothing changes.
    Raises a 422 when the contact would carry more than MAX_TAGS tags."""
    tags = [tag for tag in old.tags if search_terms.fold(tag) not in remove]
    held = {search_terms.fold(tag) for tag in tags}
    tags += [name for name in add if search_terms.fold(name) not in held]
    if tags == list(old.tags):
        return None
    if len(tags) > MAX_TAGS:
        raise errors.invalid([Detail("tags", f"a contact has at most {MAX_TAGS} tags")])
    now = clock.now()
    new = _copy(old)
    new.tags = tags
    _derive(new)
    new.version = old.version + 1
    new.updated_at = clock.iso(now)
    return ContactWrite(old, new, _entry(caller, old, new, "contact.updated", ["tags"]))


def retag_contact(
    caller: Caller, contact_id: str, *, add: list[str], remove: set[str], if_match: str | None = None
) -> Contact:
    precondition = Precondition.of(if_match, "Contact")
    for _ in range(_WRITE_ATTEMPTS):
        old = _visible(caller, contact_id)
        precondition.check(old.version)
        write = retagged(caller, old, add=add, remove=remove)
        if write is None:
            return to_api(old)
        try:
            store.replace(write.old, write.new, write.audit)
        except StaleVersion:
            precondition.after_lost_race()
            continue
        except TagUnavailable as unavailable:
            raise _tag_conflict(unavailable) from unavailable
        return to_api(write.new)
    raise errors.busy("Contact")


# Merge -----------------------------------------------------------------------------------------


def _united(kept: list[str], other: list[str], key: Callable[[str], str], field: str, most: int) -> list[str]:
    """The survivor's values, then the other's it does not have (by `key`); 422 beyond `most`."""
    held = {key(value) for value in kept}
    united = [*kept, *(value for value in other if key(value) not in held)]
    if len(united) > most:
        raise errors.invalid([Detail(field, f"together more than {most}")])
    return united


def _merged(survivor: ContactItem, other: ContactItem) -> ContactItem:
    """The survivor with the other's values where it has none, emails, phones and tags united."""
    new = _copy(survivor)
    for attribute in ("first_name", "last_name", "organization_id", "consent_given_at"):
        if not getattr(new, attribute):
            setattr(new, attribute, getattr(other, attribute))
    new.emails = _united(list(survivor.emails), list(other.emails), search_terms.email_key, "emails", MAX_EMAILS)
    new.phones = _united(
        list(survivor.phones),
        list(other.phones),
        lambda phone: search_terms.phone_key(phone) or phone,
        "phones",
        MAX_PHONES,
    )
    new.tags = _united(list(survivor.tags), list(other.tags), search_terms.fold, "tags", MAX_TAGS)
    new.custom_fields = {**plain_map(other.custom_fields), **plain_map(survivor.custom_fields)}
    _derive(new)
    new.version, new.updated_at = survivor.version + 1, clock.iso(clock.now())
    return new


def merge_contact(
    caller: Caller, contact_id: str, merge_with_id: str, dry_run: bool, if_match: str | None
) -> Merged[Contact]:
    """Merge a duplicate into the contact `merge_with_id` (docs/architecture.md, "Merging
    duplicates"): the survivor keeps its values and takes the other's where it has none, emails,
    phones and tags united; the other is soft-deleted with `mergedInto` in the same transaction (its
    emails go to the survivor), with one audit entry; then its deals, activities and notes move.
    `If-Match` holds the version of the contact merged away (the one in the path)."""
    if merge_with_id == contact_id:
        raise errors.invalid([Detail("mergeWithId", "the contact itself")])
    precondition = Precondition.of(if_match, "Contact")
    for _ in range(_WRITE_ATTEMPTS):
        other = _visible(caller, contact_id)
        precondition.check(other.version)
        survivor = store.get_contact(caller.tenant_id, merge_with_id)
        if survivor is None or not survivor.is_active or not caller.may_access(survivor.owner_id):
            raise errors.invalid([Detail("mergeWithId", "no contact with this id")])
        merged = _merged(survivor, other)
        from contact_platform.models.merges import Merged  # only a merge answers one

        answer = Merged[Contact](merged=to_api(merged), mergedId=contact_id, dryRun=dry_run)
        if dry_run:
            return answer
        before, after = to_api(survivor).model_dump(), answer.merged.model_dump()
        changed = sorted(field for field in _FIELDS if before[field] != after[field])
        gone = _deleted(caller, other)
        gone.merged_into = merge_with_id
        entry = audit.entry(
            caller,
            entity_type=ENTITY,
            entity_id=merge_with_id,
            action="contact.merged",
            at=clock.parse_iso(merged.updated_at),
            changed=changed,
            record=answer.merged,
            before=to_api(survivor),
            mergedId=contact_id,
        )
        try:
            store.replace_together([ContactWrite(other, gone, None), ContactWrite(survivor, merged, entry)])
        except StaleVersion:
            precondition.after_lost_race()
            continue
        except TagUnavailable as unavailable:
            raise _tag_conflict(unavailable) from unavailable
        from contact_platform.entities import references  # only a merge moves records of other entities

        # A campaign entry moves unless the survivor is in its campaign already (then it stays).
        moved = ("deal", "activity", "note", "campaign_entry")
        move = references.Move("contact", contact_id, "contactId", moved, {"contactId": merge_with_id})
        answer.operationId = references.run(caller, [move], "contact.merged")
        return answer
    raise errors.busy("Contact")


# Delete, restore -------------------------------------------------------------------------------


def _deleted(caller: Caller, old: ContactItem) -> ContactItem:
    """The contact soft-deleted by the caller now: inactive, purged after RETENTION."""
    now = clock.now()
    new = _copy(old)
    new.is_active, new.deleted_at, new.deleted_by = False, clock.iso(now), caller.user_id
    new.expires_at = clock.epoch(now + RETENTION)
    new.updated_at, new.version = clock.iso(now), old.version + 1
    return new


def delete_contact(caller: Caller, contact_id: str, if_match: str | None) -> ContactDeleted:
    """Soft delete: inactive, out of lists and search, email free again, purged after 90 days."""
    precondition = Precondition.of(if_match, "Contact")
    for _ in range(_WRITE_ATTEMPTS):
        old = _visible(caller, contact_id)
        precondition.check(old.version)
        try:
            _write(old, _deleted(caller, old), caller, "contact.deleted", ["isActive", "deletedAt", "deletedBy"])
        except StaleVersion:
            precondition.after_lost_race()
            continue
        return ContactDeleted(message="Contact deleted successfully", contactId=contact_id)
    raise errors.busy("Contact")


def restore_contact(caller: Caller, contact_id: str, if_match: str | None) -> Contact:
    """Bring back a soft-deleted contact that has not been purged; 409 if its email was taken since, or
    if it was merged into another (what moved to the survivor stays there: a merge is not undone)."""
    old = store.get_contact(caller.tenant_id, contact_id)
    now = clock.now()
    if old is None or is_gone(old, now):
        raise errors.not_found("Contact")
    precondition = Precondition.of(if_match, "Contact")
    precondition.check(old.version)
    if old.is_active:
        raise errors.conflict("Contact is not deleted")
    if old.merged_into:
        raise errors.conflict(f"Contact was merged into {old.merged_into}; a merge is not undone")
    new = _copy(old)
    new.is_active = True
    new.deleted_at = None
    new.deleted_by = None
    new.expires_at = None
    new.updated_at = clock.iso(now)
    new.version = old.version + 1
    try:
        _write(old, new, caller, "contact.restored", ["isActive", "deletedAt", "deletedBy"])
    except StaleVersion:
        precondition.after_lost_race()
        raise errors.busy("Contact") from None
    return to_api(new)
