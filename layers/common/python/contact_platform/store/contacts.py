"""Contacts and everything that hangs on a contact.

A contact item carries its derived state (`emailKeys`, `searchTokens`, `tagKeys`), so the items that
hang on it can always be computed from the item alone:
- an email guard per normalized email (uniqueness among active contacts),
- a search item per token (prefix search without scanning the tenant),
- a tag assignment per tag (the `tag` filter),
- a phone hint per phone number: the last contact written with it, where finding duplicates by
  phone starts (phones are not unique; a hint is never deleted, so readers check what it names).
An active contact also carries the keys of the five list indexes. An inactive (soft-deleted) one
carries none of these, only a key in the tenant's deleted-contacts index (GSI1) and one in the
housekeeping index (GSI2, the day its 90 days end): it drops out of every list, search and tag query
at once, and the scheduled cleanup finds it without a scan.

Every write is `replace(old, new)`: one TransactWriteItems with the contact (conditional on the
version read), the derived items that appeared, changed or went away, the audit item, and the tags
the contact took or gave up (store/tags.py: a tag made on first use, `contactCount` moved; a
soft-deleted contact holds no tag, so deleting and restoring move the counts, purging does not).
Bulk jobs group writes with `replace_many`, one tag update per tag per transaction. An import's
creates leave the index entries (search items and phone hints) out of their transactions and put
them right after with BatchWriteItem (`put_index_entries`): a third of the items per transaction
and half the write units for those entries; a retried chunk puts them again
(docs/architecture.md, "Write units of an import").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from contact_platform import clock
from contact_platform.store import keys
from contact_platform.store import tags as tag_store
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion, TagUnavailable, UniqueValueTaken
from contact_platform.store.paging import LastKey, Page, index_page, query_page
from contact_platform.store.table import Item, get_item, put_all, string_list, string_map, transaction

CONTACT_SK = "CONTACT"
MAX_TRANSACTION_ITEMS = 100
# Sorts contacts without a last name after every letter.
NO_NAME_SORT_KEY = "~"
# Writes whose tags moved meanwhile (a tag made, renamed or removed by another request) are resolved again.
_TAG_ATTEMPTS = 3


class ContactItem(Item, discriminator="contact"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    contact_id = UnicodeAttribute(attr_name="id")
    first_name = UnicodeAttribute(null=True, attr_name="firstName")
    last_name = UnicodeAttribute(null=True, attr_name="lastName")
    name = UnicodeAttribute()
    emails = string_list()
    phones = string_list()
    organization_id = UnicodeAttribute(null=True, attr_name="organizationId")
    owner_id = UnicodeAttribute(attr_name="ownerId")
    tags = string_list()
    consent_given_at = UnicodeAttribute(null=True, attr_name="consentGivenAt")
    custom_fields = string_map("customFields")
    is_active = BooleanAttribute(default=True, attr_name="isActive")
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    deleted_at = UnicodeAttribute(null=True, attr_name="deletedAt")
    deleted_by = UnicodeAttribute(null=True, attr_name="deletedBy")
    merged_into = UnicodeAttribute(null=True, attr_name="mergedInto")  # deleted by a merge into this contact
    version = NumberAttribute(default=1)
    # Derived state, set by the service from the fields above.
    email_keys = string_list("emailKeys")
    search_tokens = string_list("searchTokens")
    tag_keys = string_list("tagKeys")
    phone_keys = string_list("phoneKeys")
    last_name_key = UnicodeAttribute(null=True, attr_name="lastNameKey")


class ContactEmailGuard(Item, discriminator="contact-email"):
    contact_id = UnicodeAttribute(attr_name="contactId")


class ContactSearchEntry(Item, discriminator="contact-search"):
    contact_id = UnicodeAttribute(attr_name="contactId")
    token = UnicodeAttribute()
    # All tokens of the contact: a prefix query keeps an entry only for the contact's smallest
    # matching token, so a contact appears once per search however many of its tokens match.
    tokens = string_list()


class ContactTagAssignment(Item, discriminator="contact-tag"):
    contact_id = UnicodeAttribute(attr_name="contactId")
    tag_key = UnicodeAttribute(attr_name="tagKey")


class ContactPhoneHint(Item, discriminator="contact-phone-hint"):
    """The last contact written with a phone number (`contacts_by_phone`)."""

    contact_id = UnicodeAttribute(attr_name="contactId")


PHONE_HINT_SK = "HINT"
# Items that only serve lookups: an import puts them after the contacts' transaction.


def new_contact(tenant_id: str, contact_id: str, *, owner_id: str, created_by: str, at: str) -> ContactItem:
    """A new active contact at version 1, keyed for the table; the caller fills in its fields."""
    return ContactItem(
        pk=keys.contact_pk(tenant_id, contact_id),
        sk=CONTACT_SK,
        tenant_id=tenant_id,
        contact_id=contact_id,
        owner_id=owner_id,
        is_active=True,
        created_at=at,
        updated_at=at,
        created_by=created_by,
        version=1,
    )


# Reading ---------------------------------------------------------------------------------------


def contact_key(tenant_id: str, contact_id: str) -> tuple[str, str]:
    return keys.contact_pk(tenant_id, contact_id), CONTACT_SK


def get_contact(tenant_id: str, contact_id: str) -> ContactItem | None:
    return get_item(ContactItem, *contact_key(tenant_id, contact_id))


def get_contacts(tenant_id: str, contact_ids: Iterable[str]) -> dict[str, ContactItem]:
    """BatchGetItem (100 keys a request); missing ones are simply absent from the result."""
    wanted = [contact_key(tenant_id, contact_id) for contact_id in dict.fromkeys(contact_ids)]
    if not wanted:
        return {}
    return {item.contact_id: item for item in ContactItem.batch_get(wanted, consistent_read=True)}


def list_index(
    index_name: str,
    partition: str,
    *,
    limit: int,
    start: LastKey | None,
    forward: bool,
    sort_from: str | None = None,
    sort_before: str | None = None,
) -> Page[ContactItem]:
    """One page of contacts from a list index (`store/paging.index_page`)."""
    return index_page(
        ContactItem,
        index_name,
        partition,
        limit=limit,
        start=start,
        forward=forward,
        sort_from=sort_from,
        sort_before=sort_before,
    )


def search_entries(tenant_id: str, term: str, *, limit: int, start: LastKey | None) -> Page[ContactSearchEntry]:
    return query_page(
        ContactSearchEntry,
        keys.search_pk(tenant_id, term),
        limit=limit,
        start=start,
        condition=ContactSearchEntry.sk.startswith(term),
    )


def contacts_by_email(tenant_id: str, email_keys: Iterable[str]) -> dict[str, str]:
    """Normalized email -> the active contact holding it (BatchGetItem on the email guards)."""
    wanted = [(keys.contact_email_guard_pk(tenant_id, key), keys.GUARD_SK) for key in dict.fromkeys(email_keys)]
    if not wanted:
        return {}
    marker = "#CONTACTEMAIL#"
    return {
        guard.pk.split(marker, 1)[1]: guard.contact_id
        for guard in ContactEmailGuard.batch_get(wanted, consistent_read=True)
    }


def contacts_by_phone(tenant_id: str, phone_keys: Iterable[str]) -> dict[str, str]:
    """Phone key (digits of the international form) -> an active contact holding it, for the keys
    some active contact holds: one BatchGetItem of the hints (100 keys a request), one of the
    contacts they name; a hint whose contact no longer holds the number (deleted, changed) falls
    back on a Query of the number's search entries."""
    wanted = [(keys.contact_phone_pk(tenant_id, key), PHONE_HINT_SK) for key in dict.fromkeys(phone_keys)]
    if not wanted:
        return {}
    marker = "#CONTACTPHONE#"
    hints = {hint.pk.split(marker, 1)[1]: hint.contact_id for hint in ContactPhoneHint.batch_get(wanted)}
    named = get_contacts(tenant_id, hints.values())
    found: dict[str, str] = {}
    for key, contact_id in hints.items():
        contact = named.get(contact_id)
        if contact is not None and contact.is_active and key in contact.phone_keys:
            found[key] = contact_id
            continue
        page = query_page(
            ContactSearchEntry,
            keys.search_pk(tenant_id, key),
            limit=1,
            condition=ContactSearchEntry.sk.startswith(f"{key}#"),
            consistent=True,
        )
        if page.items:
            found[key] = page.items[0].contact_id
    return found


def tag_assignments(
    tenant_id: str, tag_key: str, *, limit: int, start: LastKey | None, forward: bool
) -> Page[ContactTagAssignment]:
    return query_page(
        ContactTagAssignment.gsi1, keys.tag_collection(tenant_id, tag_key), limit=limit, start=start, forward=forward
    )


# Writing ---------------------------------------------------------------------------------------


def _index_keys(contact: ContactItem) -> None:
    """Set the list-index keys of an active contact; an inactive one is only in the deleted index
    and in the housekeeping index on the day it is due for purging."""
    tenant, contact_id = contact.tenant_id, contact.contact_id
    created = keys.sortable(contact.created_at, contact_id)
    for number in range(2, 6):
        setattr(contact, f"gsi{number}pk", None)
        setattr(contact, f"gsi{number}sk", None)
    if not contact.is_active:
        deleted = keys.sortable(contact.deleted_at or contact.updated_at, contact_id)
        contact.gsi1pk, contact.gsi1sk = keys.deleted_contacts_collection(tenant), deleted
        if contact.expires_at is not None:
            due = clock.iso(clock.from_epoch(int(contact.expires_at)))
            contact.gsi2pk = keys.due_partition(due[:10])
            contact.gsi2sk = keys.due_sort_key(due, tenant, contact_id)
        return
    collection = keys.contacts_collection(tenant)
    contact.gsi1pk, contact.gsi1sk = collection, created
    contact.gsi2pk, contact.gsi2sk = collection, keys.sortable(contact.updated_at, contact_id)
    contact.gsi3pk, contact.gsi3sk = collection, keys.sortable(contact.last_name_key or NO_NAME_SORT_KEY, contact_id)
    contact.gsi4pk, contact.gsi4sk = keys.owner_collection(tenant, contact.owner_id), created
    if contact.organization_id:
        contact.gsi5pk, contact.gsi5sk = keys.organization_collection(tenant, contact.organization_id), created


def derived_items(contact: ContactItem, *, index_entries: bool = True) -> list[Item]:
    """The items that hang on an active contact (none for an inactive one): its email guards, search
    items, tag assignments and phone hints; without the search items and phone hints (the index
    entries) when `index_entries` is false."""
    if not contact.is_active:
        return []
    tenant, contact_id = contact.tenant_id, contact.contact_id
    items: list[Item] = [
        ContactEmailGuard(pk=keys.contact_email_guard_pk(tenant, email_key), sk=keys.GUARD_SK, contact_id=contact_id)
        for email_key in contact.email_keys
    ]
    items += [
        ContactTagAssignment(
            pk=keys.contact_pk(tenant, contact_id),
            sk=f"TAG#{tag_key}",
            gsi1pk=keys.tag_collection(tenant, tag_key),
            gsi1sk=keys.sortable(contact.created_at, contact_id),
            contact_id=contact_id,
            tag_key=tag_key,
        )
        for tag_key in contact.tag_keys
    ]
    return items + _index_entries(contact) if index_entries else items


def _index_entries(contact: ContactItem) -> list[Item]:
    """The search items and phone hints of an active contact."""
    tenant, contact_id = contact.tenant_id, contact.contact_id
    items: list[Item] = [
        ContactSearchEntry(
            pk=keys.search_pk(tenant, token),
            sk=f"{token}#{contact_id}",
            contact_id=contact_id,
            token=token,
            tokens=list(contact.search_tokens),
        )
        for token in contact.search_tokens
    ]
    items += [
        ContactPhoneHint(pk=keys.contact_phone_pk(tenant, phone_key), sk=PHONE_HINT_SK, contact_id=contact_id)
        for phone_key in contact.phone_keys
    ]
    return items


def _derived_count(contact: ContactItem | None, index_entries: bool) -> int:
    """How many items `derived_items` gives, without building them."""
    if contact is None or not contact.is_active:
        return 0
    index = len(contact.search_tokens) + len(contact.phone_keys) if index_entries else 0
    return len(contact.email_keys) + len(contact.tag_keys) + index


def put_index_entries(contacts: Iterable[ContactItem]) -> None:
    """Put the search items and phone hints of active contacts (BatchWriteItem, 25 a request): what
    an import's transactions leave out. Putting them again changes nothing."""
    put_all(item for contact in contacts if contact.is_active for item in _index_entries(contact))


def _by_key(items: list[Item]) -> dict[tuple[str, str], Item]:
    return {(item.pk, item.sk): item for item in items}


@dataclass
class ContactWrite:
    """One contact write: `new` over `old` (None: create) with its audit item (None: another write of
    the same transaction tells of it: a merge writes one)."""

    old: ContactItem | None
    new: ContactItem
    audit: AuditItem | None


def _held(contact: ContactItem | None) -> dict[str, str]:
    """Folded tag name -> name of the tags an active contact holds (an inactive one holds none)."""
    if contact is None or not contact.is_active:
        return {}
    return dict(zip(contact.tag_keys, contact.tags, strict=False))


Derived = tuple[dict[tuple[str, str], Item], dict[tuple[str, str], Item]]


def _derived_changes(writes: list[ContactWrite], index_entries: bool) -> list[Derived]:
    """The derived items of each contact before and after its write, by key; without the index
    entries when the transaction leaves them out, and with a phone hint only for the first write of
    the transaction that puts it (a transaction may not touch an item twice)."""
    changes: list[Derived] = []
    hinted: set[tuple[str, str]] = set()
    for write in writes:
        before = _by_key(derived_items(write.old, index_entries=index_entries)) if write.old else {}
        after = _by_key(derived_items(write.new, index_entries=index_entries))
        after = {key: item for key, item in after.items() if not (isinstance(item, ContactPhoneHint) and key in hinted)}
        hinted.update(key for key, item in after.items() if isinstance(item, ContactPhoneHint))
        changes.append((before, after))
    return changes


def _handed_over(writes: list[ContactWrite], derived: list[Derived]) -> dict[tuple[str, str], str]:
    """Email guards one write gives up and another takes in the same transaction (a merge: the merged
    contact's emails go to the survivor), by key -> the contact giving it up. A transaction may not
    touch an item twice: the taker overwrites the guard, conditional on that holder."""
    given = {
        key: write.new.contact_id
        for write, (before, after) in zip(writes, derived, strict=True)
        for key in before.keys() - after.keys()
    }
    return {key: given[key] for before, after in derived for key in after.keys() - before.keys() if key in given}


def _add_to(tx: TransactWrite, write: ContactWrite, derived: Derived, handed: dict[tuple[str, str], str]) -> int:
    """Put a contact write (its derived items before and after) into a transaction; returns how many
    items it takes."""
    old, new = write.old, write.new
    _index_keys(new)
    before, after = derived
    gone = before.keys() - after.keys()
    # A phone hint stays: another contact may hold the number (readers check what a hint names).
    removed = [before[key] for key in gone if key not in handed and not isinstance(before[key], ContactPhoneHint)]
    added = [item for key, item in after.items() if key not in before]
    changed = [item for key, item in after.items() if key in before and before[key].serialize() != item.serialize()]
    contact_condition: Condition = ContactItem.version == old.version if old else ContactItem.pk.does_not_exist()
    tx.save(new, condition=contact_condition, return_values="ALL_OLD")
    for item in removed:
        tx.delete(item)
    for item in added:
        if isinstance(item, ContactEmailGuard):
            holder = handed.get((item.pk, item.sk))
            free = ContactEmailGuard.contact_id == holder if holder else ContactEmailGuard.pk.does_not_exist()
            tx.save(item, condition=free, return_values="ALL_OLD")
        else:
            tx.save(item)
    for item in changed:
        tx.save(item)
    if write.audit is not None:
        tx.save(write.audit)
    return 2 + len(removed) + len(added) + len(changed)


class _TagsMoved(Exception):
    """A tag the transaction counted on was created, renamed or removed meanwhile: resolve again."""


class _TooLarge(Exception):
    """The writes and the tags they make need more items than one transaction holds."""

    def __init__(self, changes: tag_store.TagChanges, guards: dict[str, tag_store.TagNameGuard]) -> None:
        super().__init__("the contact writes need more items than one transaction holds")
        self.changes, self.guards = changes, guards


def _failure(error: TransactWriteError, contact_id: str) -> Exception:
    """The reason a transaction was cancelled, as a store error."""
    if error.cause_response_code != "TransactionCanceledException":
        return error
    reasons = [reason for reason in error.cancellation_reasons if reason]
    for reason in reasons:
        taken = reason.raw_item or {}
        kind = taken.get("kind", {}).get("S")
        if kind == "contact-email":
            email_key = taken["PK"]["S"].split("#CONTACTEMAIL#", 1)[1]
            return UniqueValueTaken(email_key, taken["contactId"]["S"])
        if kind == "tag" and reason.code == "ConditionalCheckFailed":
            return TagUnavailable(taken["name"]["S"])
        if kind == "tag-name" or (reason.code == "ConditionalCheckFailed" and not taken):
            return _TagsMoved()  # a tag made meanwhile under the same name, or one gone since it was read
    if all(reason.code in ("ConditionalCheckFailed", "TransactionConflict") for reason in reasons):
        return StaleVersion(contact_id)
    return error


def _tag_changes(writes: list[ContactWrite]) -> tuple[tag_store.TagChanges, dict[str, tag_store.TagNameGuard]]:
    """The tags the writes take and give up, with the guards of those names (one BatchGetItem when
    any tag changes, none otherwise). A name a tag holds already is written in the tag's spelling."""
    changes = tag_store.TagChanges(writes[0].new.tenant_id)
    for write in writes:
        changes.add(_held(write.old), _held(write.new))
    guards = tag_store.name_guards(changes.tenant_id, changes.touched)
    for write in writes:
        spelled = {key: guards[key].name for key in changes.gained if key in guards and guards[key].name}
        write.new.tags = [spelled.get(key, name) for key, name in zip(write.new.tag_keys, write.new.tags, strict=False)]
    return changes, guards


def _transact(writes: list[ContactWrite], index_entries: bool = True) -> None:
    """The writes and their tag changes in one TransactWriteItems (docs/data-model.md, Tags)."""
    changes, guards = _tag_changes(writes)
    derived = _derived_changes(writes, index_entries)  # once per write: imports write thousands
    handed = _handed_over(writes, derived) if len(writes) > 1 else {}
    size = 0
    with transaction() as tx:
        for write, items in zip(writes, derived, strict=True):
            size += _add_to(tx, write, items, handed)
        if size + changes.size(guards) > MAX_TRANSACTION_ITEMS:
            raise _TooLarge(changes, guards)
        last = writes[-1]
        tag_store.put_changes(tx, changes, guards, at=last.new.updated_at, by=_actor(writes))


def _actor(writes: list[ContactWrite]) -> str:
    return next(str(write.audit.actor_user_id) for write in reversed(writes) if write.audit is not None)


def replace(old: ContactItem | None, new: ContactItem, audit: AuditItem | None) -> None:
    """Write `new` over `old` (None: create) with all derived items and tag counts, in one transaction.

    Raises UniqueValueTaken when an email belongs to another active contact, TagUnavailable when a tag
    it takes is being deleted (or renamed away from that name), StaleVersion when the contact changed
    (or appeared) since `old` was read.
    """
    replace_together([ContactWrite(old, new, audit)])


def replace_together(writes: list[ContactWrite]) -> None:
    """Several contact writes in one transaction, all or none (a merge: the survivor and the contact
    merged into it), raising as `replace` does."""
    new = writes[-1].new
    for _ in range(_TAG_ATTEMPTS):
        try:
            _transact(writes)
            return
        except _TooLarge as large:
            # Making its new tags in the same transaction would not fit (20 tags replaced by 20 new
            # ones): make them first, with no holders yet; the write then only moves their counts.
            missing = large.changes.new_names(large.guards)
            if not missing:
                raise ValueError(str(large)) from large
            tag_store.create_tags(large.changes.tenant_id, missing, at=new.updated_at, by=_actor(writes))
        except TransactWriteError as error:
            failure = _failure(error, new.contact_id)
            if not isinstance(failure, _TagsMoved):
                raise failure from error
    raise StaleVersion(new.contact_id)


def replace_many(writes: list[ContactWrite], *, index_entries: bool = True) -> dict[str, Exception]:
    """Many contact writes in as few transactions as fit (100 items each), for bulk jobs.

    A transaction that is cancelled (a taken email, a changed contact) is retried one contact at a
    time, so one bad write never holds back the others. Returns contact ID -> error of the writes
    that failed (UniqueValueTaken, StaleVersion, TagUnavailable).

    `index_entries=False` (creates only) leaves the search items and phone hints out of the grouped
    transactions; the caller puts them afterwards (`put_index_entries`).
    """
    if not index_entries and any(write.old is not None for write in writes):
        raise ValueError("only creates may leave their index entries out of the transaction")
    failed: dict[str, Exception] = {}
    groups: list[list[ContactWrite]] = [[]]
    sizes = [0]
    for write in writes:
        size = _write_size(write, index_entries)
        if sizes[-1] + size > MAX_TRANSACTION_ITEMS:
            groups.append([])
            sizes.append(0)
        groups[-1].append(write)
        sizes[-1] += size
    for group in groups:
        if not group:
            continue
        try:
            _transact(group, index_entries)
            continue
        except _TooLarge:
            pass  # a write that does not fit with the tags it makes: replace() makes them first
        except TransactWriteError as error:
            if error.cause_response_code != "TransactionCanceledException":
                raise
            alone = _failure(error, group[0].new.contact_id) if len(group) == 1 else None
            if alone is not None and not isinstance(alone, _TagsMoved):
                failed[group[0].new.contact_id] = alone
                continue
        for write in group:
            try:
                replace(write.old, write.new, write.audit)
            except (UniqueValueTaken, StaleVersion, TagUnavailable) as single:
                failed[write.new.contact_id] = single
    return failed


def _write_size(write: ContactWrite, index_entries: bool = True) -> int:
    """An upper bound of the items the write takes in a transaction, its tag items included."""
    before, after = _held(write.old), _held(write.new)
    tag_items = 2 * len(before.keys() ^ after.keys())
    return 2 + _derived_count(write.old, index_entries) + _derived_count(write.new, index_entries) + tag_items


# Purging ---------------------------------------------------------------------------------------


def purge(contact: ContactItem) -> int:
    """Delete a soft-deleted contact and every item left in its partition; a restore in between wins
    (the delete is conditional on the version read). Returns the number of items deleted."""
    partition = query_page(Item, contact.pk, limit=MAX_TRANSACTION_ITEMS - 1, consistent=True)
    others = [item for item in partition.items if item.sk != CONTACT_SK]
    try:
        with transaction() as tx:
            tx.delete(
                contact,
                condition=(ContactItem.version == contact.version) & (ContactItem.is_active == False),  # noqa: E712
            )
            for item in others:
                tx.delete(item)
    except TransactWriteError as error:
        raise _failure(error, contact.contact_id) from error
    return 1 + len(others) + _release_phone_hints(contact)


def _release_phone_hints(contact: ContactItem) -> int:
    """Delete the phone hints that still name a purged contact (each conditional on it: another
    contact written with the number since keeps its hint). Returns how many went."""
    deleted = 0
    for phone_key in contact.phone_keys:
        hint = ContactPhoneHint(pk=keys.contact_phone_pk(contact.tenant_id, phone_key), sk=PHONE_HINT_SK)
        try:
            hint.delete(condition=ContactPhoneHint.contact_id == contact.contact_id)
            deleted += 1
        except DeleteError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
    return deleted
