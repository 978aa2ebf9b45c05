"""Records of the entities declared in `entities/` (organizations, products, notes, ...): one item
type for all of them (docs/data-model.md, "Entity records").

A record item carries its declared fields in `data` (as the API names them) and its derived state:
`uniqueKeys` (field -> folded value), `searchTokens`, `sortValues` (what GSI3, GSI6 and GSI7 order
by: one value per sort field of the entity), one `linkField`/`linkValue` (what GSI5 partitions by:
the entity's most used reference) and, for a nested entity, `parentField`/`parentValue` (its list
indexes are then partitioned by the parent: a pipeline's stages are one partition). The items that
hang on it are computed from the item alone:
- a uniqueness guard per unique field (`T#UNIQUE#<ENTITY>#<field>#<folded value>` / GUARD),
- a search entry per token (`T#<ENTITY>SEARCH#<2 chars>` / `<token>#id`),
- a reference entry per reference set (`T#REFS#<TARGET>#<target id>` / `<entity>#<field>#id`): who
  references a record, whatever its entity, is one Query (what a delete unlinks, a merge moves).
An active record is in the entity's list indexes; a soft-deleted one only in its deleted index
(GSI1) and in the housekeeping index on the day its 90 days end (GSI2), like a contact.

Every write is `write(changes)`: one TransactWriteItems with each record (conditional on the version
read, or on not existing), the derived items that appeared or went away, and its audit item; a deal
product and its deal's new value go together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError

from contact_platform import clock
from contact_platform.store import key_sets, keys, lead_migrations, tallies, wire
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import ClaimTaken, StaleVersion, UniqueValueTaken
from contact_platform.store.lead_migrations import ABORTED, COMMITTED, WRITING
from contact_platform.store.paging import LastKey, Page, index_page, query_page
from contact_platform.store.table import Item, get_item, put_all, string_list, string_map, transaction
from contact_platform.store.tallies import Increment

RECORD_SK = "RECORD"
# The indexes ordered by an entity's own sort fields, in the order it declares them.
SORT_INDEXES = ("GSI3", "GSI6", "GSI7")
# Sorts records without a value for the sort field after every value.
NO_SORT_VALUE = "~"


class RecordItem(Item, discriminator="record"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    entity = UnicodeAttribute()
    record_id = UnicodeAttribute(attr_name="id")
    data = string_map("data")
    owner_id = UnicodeAttribute(null=True, attr_name="ownerId")
    visible_to = UnicodeAttribute(null=True, attr_name="visibleTo")
    unique_keys = string_map("uniqueKeys")
    search_tokens = string_list("searchTokens")
    sort_values = string_list("sortValues")
    reference_keys = string_map("referenceKeys")  # field -> `<target entity>#<target id>`
    link_field = UnicodeAttribute(null=True, attr_name="linkField")
    link_value = UnicodeAttribute(null=True, attr_name="linkValue")
    parent_field = UnicodeAttribute(null=True, attr_name="parentField")
    parent_value = UnicodeAttribute(null=True, attr_name="parentValue")
    is_active = BooleanAttribute(default=True, attr_name="isActive")
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    deleted_at = UnicodeAttribute(null=True, attr_name="deletedAt")
    deleted_by = UnicodeAttribute(null=True, attr_name="deletedBy")
    merged_into = UnicodeAttribute(null=True, attr_name="mergedInto")  # deleted by a merge into this record
    version = NumberAttribute(default=1)
    # Written by a lead migration that has not committed yet (store/lead_migrations.py): the record
    # exists for readers only once that import is committed.
    pending_import = UnicodeAttribute(null=True, attr_name="pendingImport")


class UniqueGuard(Item, discriminator="unique-guard"):
    record_id = UnicodeAttribute(attr_name="recordId")
    field = UnicodeAttribute()
    # The import that wrote it ahead of its record (a batch of campaign entries): a guard of an import
    # that never commits is stale (`release_stale_guard`).
    pending_import = UnicodeAttribute(null=True, attr_name="pendingImport")


def unique_slot(field: str, number: int) -> str:
    """The key in a record's `uniqueKeys` of a field's `number`th form (the first: the field's name;
    `name#2`: a name's spelled-out form, services/search_terms.unique_forms)."""
    return field if number == 0 else f"{field}#{number + 1}"


def slot_field(slot: str) -> str:
    """The field a key of `uniqueKeys` holds a form of: its guard's field."""
    return slot.partition("#")[0]


class RecordSearchEntry(Item, discriminator="record-search"):
    record_id = UnicodeAttribute(attr_name="recordId")
    token = UnicodeAttribute()


class RecordReference(Item, discriminator="record-reference"):
    entity = UnicodeAttribute()
    field = UnicodeAttribute()
    record_id = UnicodeAttribute(attr_name="recordId")


def new_record(tenant_id: str, entity: str, record_id: str, *, created_by: str, at: str) -> RecordItem:
    """A new active record at version 1, keyed for the table; the caller fills in its fields."""
    return RecordItem(
        pk=keys.record_pk(tenant_id, entity, record_id),
        sk=RECORD_SK,
        tenant_id=tenant_id,
        entity=entity,
        record_id=record_id,
        is_active=True,
        created_at=at,
        updated_at=at,
        created_by=created_by,
        version=1,
    )


def data_of(record: RecordItem) -> dict[str, Any]:
    """The record's declared fields as plain values."""
    return dict(record.data.as_dict())  # type: ignore[no-untyped-call]


def copy_of(record: RecordItem) -> RecordItem:
    return RecordItem.from_raw_data(record.serialize())


# Reading ---------------------------------------------------------------------------------------
# Every read leaves out the records of an import that has not committed (`settled`).

_committed: set[tuple[str, str]] = set()  # (tenant, import ID): committed is final, so known for good


def _learn_committed(pending: set[tuple[str, str]]) -> None:
    """Ask for the states of the imports (tenant, import ID) not known to be committed yet (one
    BatchGetItem per tenant)."""
    unknown = pending - _committed
    for tenant_id in {tenant for tenant, _ in unknown}:
        found = lead_migrations.states(tenant_id, [import_id for tenant, import_id in unknown if tenant == tenant_id])
        _committed.update((tenant_id, import_id) for import_id, state in found.items() if state == COMMITTED)


def settled(records: list[RecordItem]) -> list[RecordItem]:
    """The records that exist for readers: those no import wrote, and those of committed imports
    (one BatchGetItem of the imports' states the first time a process meets them)."""
    _learn_committed({(r.tenant_id, str(r.pending_import)) for r in records if r.pending_import})
    return [r for r in records if _counted(r.tenant_id, r.pending_import)]


def _counted(tenant_id: str, pending_import: str | None) -> bool:
    """Whether readers count a record (see `settled`; the import's state learnt before)."""
    return not pending_import or (tenant_id, pending_import) in _committed


def get_record(tenant_id: str, entity: str, record_id: str) -> RecordItem | None:
    found = get_item(RecordItem, keys.record_pk(tenant_id, entity, record_id), RECORD_SK)
    return None if found is None else next(iter(settled([found])), None)


def get_records(
    tenant_id: str, entity: str, record_ids: Iterable[str], *, settled_only: bool = True
) -> dict[str, RecordItem]:
    """BatchGetItem (100 keys a request); missing ones are simply absent from the result."""
    found = get_records_of(tenant_id, ((entity, record_id) for record_id in record_ids), settled_only=settled_only)
    return {record_id: item for (_, record_id), item in found.items()}


def get_records_of(
    tenant_id: str, wanted: Iterable[tuple[str, str]], *, settled_only: bool = True
) -> dict[tuple[str, str], RecordItem]:
    """(entity, ID) -> record, of several entities at once: BatchGetItem (100 keys a request);
    missing ones are simply absent from the result."""
    item_keys = [
        (keys.record_pk(tenant_id, entity, record_id), RECORD_SK) for entity, record_id in dict.fromkeys(wanted)
    ]
    if not item_keys:
        return {}
    found = list(RecordItem.batch_get(item_keys, consistent_read=True))
    return {(item.entity, item.record_id): item for item in (settled(found) if settled_only else found)}


def record_data(
    tenant_id: str, entity: str, record_ids: Iterable[str], *, active_only: bool = True
) -> dict[str, dict[str, Any]]:
    """The fields, as plain values, of those records that readers count (`settled`; with
    `active_only`, not deleted either): one BatchGetItem per 100 projected to `data` and what says
    whether the record counts, read in DynamoDB's wire form without model instances (a lead
    migration's duplicate check reads a thousand candidates)."""
    wanted = ((keys.record_pk(tenant_id, entity, record_id), RECORD_SK) for record_id in record_ids)
    items = list(wire.batch_get(wanted, ["id", "tenantId", "isActive", "pendingImport", "data"]))
    return {item["id"]["S"]: wire.plain(item.get("data", {"M": {}})) for item in _readable(items, active_only)}


def _readable(items: list[dict[str, Any]], active_only: bool) -> list[dict[str, Any]]:
    """The items (wire form, with `tenantId`, `isActive`, `pendingImport` when set) readers count, as
    `settled` decides; with `active_only`, not deleted either."""
    _learn_committed({(item["tenantId"]["S"], item["pendingImport"]["S"]) for item in items if "pendingImport" in item})
    return [
        item
        for item in items
        if (not active_only or wire.plain(item.get("isActive", {"BOOL": True})))
        and _counted(item["tenantId"]["S"], item.get("pendingImport", {}).get("S"))
    ]


def list_index(
    index_name: str,
    partition: str,
    *,
    limit: int,
    start: LastKey | None,
    forward: bool,
    sort_from: str | None = None,
    sort_before: str | None = None,
) -> Page[RecordItem]:
    page = index_page(
        RecordItem,
        index_name,
        partition,
        limit=limit,
        start=start,
        forward=forward,
        sort_from=sort_from,
        sort_before=sort_before,
    )
    return Page(settled(list(page.items)), page.last_key)


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """A record as a bulk reader gets it from `index_facts` (no model instance): its ID, times,
    version and fields as plain values, and the key that resumes the Query right after it."""

    record_id: str
    created_at: str
    updated_at: str
    version: int
    data: dict[str, Any]
    position: LastKey


# What `index_facts` asks for besides the keys: the facts and what says whether readers count the record.
_FACTS = ("id", "tenantId", "isActive", "pendingImport", "createdAt", "updatedAt", "version", "data")


def index_facts(index_name: str, partition: str, *, limit: int, start: LastKey | None) -> Page[RecordFacts]:
    """One Query of a record list index (`GSI1`..`GSI7`, oldest first) projected to `_FACTS`: the
    active records readers count (`settled`), read without model instances (a campaign export's plan
    reads 100,000 entries)."""
    key_names = ["PK", "SK", f"{index_name}PK", f"{index_name}SK"]
    expression, names, holder = wire.projection([*key_names, *_FACTS])
    answer = wire.query(
        {
            "IndexName": index_name,
            "KeyConditionExpression": f"{holder[f'{index_name}PK']} = :pk",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ProjectionExpression": expression,
            "Limit": limit,
        },
        start,
    )
    facts = [
        RecordFacts(
            record_id=item["id"]["S"],
            created_at=item["createdAt"]["S"],
            updated_at=item["updatedAt"]["S"],
            version=int(item["version"]["N"]),
            data=wire.plain(item.get("data", {"M": {}})),
            position={name: item[name] for name in key_names},
        )
        for item in _readable(answer.get("Items", []), active_only=True)
    ]
    return Page(facts, answer.get("LastEvaluatedKey"))


def search_entries(
    tenant_id: str, entity: str, term: str, *, limit: int, start: LastKey | None
) -> Page[RecordSearchEntry]:
    return query_page(
        RecordSearchEntry,
        keys.record_search_pk(tenant_id, entity, term),
        limit=limit,
        start=start,
        condition=RecordSearchEntry.sk.startswith(term),
    )


def referencing(
    tenant_id: str, target: str, target_id: str, entity: str, field: str, *, limit: int, start: LastKey | None
) -> Page[RecordReference]:
    """One page of the active records of `entity` whose `field` names the record `target_id`."""
    return query_page(
        RecordReference,
        keys.record_references_pk(tenant_id, target, target_id),
        limit=limit,
        start=start,
        condition=RecordReference.sk.startswith(f"{entity}#{field}#"),
        consistent=True,
    )


def holders_of(tenant_id: str, entity: str, field: str, value_keys: Iterable[str]) -> dict[str, str]:
    """Folded unique value -> the record holding it, for those held (BatchGetItem, 100 keys a request)."""
    wanted = {keys.unique_guard_pk(tenant_id, entity, field, value_key): value_key for value_key in value_keys}
    if not wanted:
        return {}
    guards = UniqueGuard.batch_get([(pk, keys.GUARD_SK) for pk in wanted], consistent_read=True)
    return {wanted[guard.pk]: str(guard.record_id) for guard in guards}


# Writing ---------------------------------------------------------------------------------------


def collection_of(record: RecordItem) -> str:
    """The partition of the record's list indexes: its entity's, or its parent's for a nested entity."""
    if record.parent_field and record.parent_value:
        return keys.record_link_collection(record.tenant_id, record.entity, record.parent_field, record.parent_value)
    return keys.records_collection(record.tenant_id, record.entity)


def _index_keys(record: RecordItem) -> None:
    """The list-index keys of an active record; an inactive one is only in the deleted index and in the
    housekeeping index on the day it is due for purging."""
    tenant, entity, record_id = record.tenant_id, record.entity, record.record_id
    created = keys.sortable(record.created_at, record_id)
    for number in range(1, 8):
        setattr(record, f"gsi{number}pk", None)
        setattr(record, f"gsi{number}sk", None)
    if not record.is_active:
        record.gsi1pk = keys.deleted_records_collection(tenant, entity)
        record.gsi1sk = keys.sortable(record.deleted_at or record.updated_at, record_id)
        if record.expires_at is not None:
            due = clock.iso(clock.from_epoch(int(record.expires_at)))
            record.gsi2pk, record.gsi2sk = keys.due_partition(due[:10]), keys.due_sort_key(due, tenant, record_id)
        return
    collection = collection_of(record)
    record.gsi1pk, record.gsi1sk = collection, created
    record.gsi2pk, record.gsi2sk = collection, keys.sortable(record.updated_at, record_id)
    for index, value in zip(SORT_INDEXES, record.sort_values, strict=False):
        setattr(record, f"{index.lower()}pk", collection)
        setattr(record, f"{index.lower()}sk", keys.sortable(value or NO_SORT_VALUE, record_id))
    if record.owner_id:
        record.gsi4pk, record.gsi4sk = keys.record_owner_collection(tenant, entity, record.owner_id), created
    if record.link_field and record.link_value:
        link = keys.record_link_collection(tenant, entity, record.link_field, record.link_value)
        record.gsi5pk, record.gsi5sk = link, created


def _derived(record: RecordItem) -> dict[tuple[str, str], Item]:
    """The items that hang on an active record, by key; none for an inactive one."""
    if not record.is_active:
        return {}
    tenant, entity, record_id = record.tenant_id, record.entity, record.record_id
    items: list[Item] = [
        UniqueGuard(
            pk=keys.unique_guard_pk(tenant, entity, slot_field(slot), value_key),
            sk=keys.GUARD_SK,
            record_id=record_id,
            field=slot_field(slot),
            pending_import=record.pending_import,
        )
        for slot, value_key in dict(record.unique_keys.as_dict()).items()  # type: ignore[no-untyped-call]
    ]
    items += [
        RecordSearchEntry(
            pk=keys.record_search_pk(tenant, entity, token), sk=f"{token}#{record_id}", record_id=record_id, token=token
        )
        for token in record.search_tokens
    ]
    for field, target_key in dict(record.reference_keys.as_dict()).items():  # type: ignore[no-untyped-call]
        target, target_id = str(target_key).split("#", 1)
        items.append(
            RecordReference(
                pk=keys.record_references_pk(tenant, target, target_id),
                sk=f"{entity}#{field}#{record_id}",
                entity=entity,
                field=field,
                record_id=record_id,
            )
        )
    return {(item.pk, item.sk): item for item in items}


@dataclass
class Change:
    """One record written over what was read of it (None: created), with its audit item (None: the
    audit item of another change of the transaction tells of it: a merge writes one)."""

    old: RecordItem | None
    new: RecordItem
    audit: AuditItem | None
    # The key sets (store/key_sets.py) the record joins and leaves with this write.
    joined: frozenset[key_sets.Membership] = frozenset()
    left: frozenset[key_sets.Membership] = frozenset()


def write(changes: Sequence[Change], increments: Iterable[Increment] = (), claims: Iterable[Item] = ()) -> None:
    """Write each change's record over the one read (its version, or not existing) with its derived
    items and audit item, the tallies' `increments` (store/tallies.py) and the `claims` (items that
    must not exist yet: a code's assignment), in one transaction. Raises UniqueValueTaken when a
    unique value belongs to another record, ClaimTaken when a claimed item exists, StaleVersion when
    a record changed (or appeared) since it was read. A key set that refuses its ADD is made common
    and the transaction written again (`key_sets.written`)."""
    increments, claims = list(increments), list(claims)
    sets = key_sets.changes(
        [m for change in changes for m in change.joined], [m for change in changes for m in change.left]
    )

    def attempt() -> None:
        with transaction() as tx:
            for change in changes:
                _put(tx, change)
            for claim in claims:
                tx.save(claim, condition=Item.pk.does_not_exist(), return_values="ALL_OLD")
            tallies.apply(tx, increments)
            sets.write(tx)

    try:
        key_sets.written(attempt, sets)
    except TransactWriteError as error:
        raise _failure(error, changes[0].new.record_id) from error


def _put(tx: Any, change: Change) -> None:
    old, new = change.old, change.new
    _index_keys(new)
    before = _derived(old) if old else {}
    after = _derived(new)
    tx.save(new, condition=RecordItem.version == old.version if old else RecordItem.pk.does_not_exist())
    for key in before.keys() - after.keys():
        tx.delete(before[key])
    for key, item in after.items():
        if key in before:
            continue
        if isinstance(item, UniqueGuard):
            tx.save(item, condition=UniqueGuard.pk.does_not_exist(), return_values="ALL_OLD")
        else:
            tx.save(item)
    if change.audit is not None:
        tx.save(change.audit)


def put_written(written: Iterable[RecordItem], *, workers: int = 1) -> None:
    """New records with their derived items, without a transaction (BatchWriteItem, from `workers`
    threads): for records no reader counts yet (`pending_import`), whose import commits them together."""
    items: list[Item] = []
    for record in written:
        _index_keys(record)
        items += [record, *_derived(record).values()]
    put_all(items, workers=workers)


def _failure(error: TransactWriteError, record_id: str) -> Exception:
    if error.cause_response_code != "TransactionCanceledException":
        return error
    for reason in error.cancellation_reasons:
        taken: dict[str, Any] = (reason.raw_item if reason else None) or {}
        if taken.get("kind", {}).get("S") == "unique-guard":
            return UniqueValueTaken(taken["field"]["S"], taken["recordId"]["S"])
        if taken:
            return ClaimTaken(taken["PK"]["S"])
    return StaleVersion(record_id)


# Guards written ahead of their records (a batch of campaign entries, services/campaign_entries.py) --

GUARDS_PER_TRANSACTION = 100  # TransactWriteItems' most items


def guards_of(record: RecordItem) -> list[UniqueGuard]:
    """The uniqueness guards of a record as a write would put them (its derived state set)."""
    _index_keys(record)
    return [item for item in _derived(record).values() if isinstance(item, UniqueGuard)]


def take_guards(guards: Sequence[UniqueGuard]) -> tuple[int, UniqueValueTaken] | None:
    """Put the guards, each on the condition that its value is free, 100 to a transaction; when one is
    taken, take back those put and answer its position and holder (None: all taken)."""
    put: list[UniqueGuard] = []
    for start in range(0, len(guards), GUARDS_PER_TRANSACTION):
        chunk = guards[start : start + GUARDS_PER_TRANSACTION]
        try:
            with transaction() as tx:
                for guard in chunk:
                    tx.save(guard, condition=UniqueGuard.pk.does_not_exist(), return_values="ALL_OLD")
        except TransactWriteError as error:
            release_guards(put)
            reasons = error.cancellation_reasons or []
            for number, reason in enumerate(reasons):
                held: dict[str, Any] = (reason.raw_item if reason else None) or {}
                if held.get("kind", {}).get("S") == "unique-guard":
                    return start + number, UniqueValueTaken(held["field"]["S"], held["recordId"]["S"])
            raise
        put += chunk
    return None


def release_guards(guards: Iterable[UniqueGuard]) -> None:
    """Delete guards this writer put (each only while it still names the record it was put for)."""
    for guard in guards:
        try:
            with transaction() as tx:
                tx.delete(guard, condition=UniqueGuard.record_id == guard.record_id)
        except TransactWriteError:
            continue  # gone already, or another record's by now


def release_stale_guard(tenant_id: str, entity: str, field: str, value_key: str, *, now: int) -> bool:
    """Delete the guard of a value when the import that put it never committed and never will (aborted,
    or still writing with its lease over at `now`, epoch seconds: aborted here); True when the value is
    free again."""
    guard = get_item(UniqueGuard, keys.unique_guard_pk(tenant_id, entity, field, value_key), keys.GUARD_SK)
    if guard is None:
        return True
    if not guard.pending_import:
        return False
    found = lead_migrations.get_import(tenant_id, str(guard.pending_import))
    if found is not None and found.state == WRITING and int(found.lease_until or 0) < now:
        lead_migrations.abort(tenant_id, found.import_id)
        found = lead_migrations.get_import(tenant_id, found.import_id)
    if found is not None and found.state != ABORTED:
        return False
    try:
        with transaction() as tx:
            tx.delete(guard, condition=UniqueGuard.pending_import == guard.pending_import)
    except TransactWriteError:
        return False
    return True


def purge(record: RecordItem) -> int:
    """Delete a record with the items that hang on it: none for a soft-deleted one (they went with its
    delete), its derived items for an active record purged with its parent. A write in between wins
    (StaleVersion: a restore, a change). Returns how many items went."""
    derived = list(_derived(record).values())
    try:
        with transaction() as tx:
            tx.delete(record, condition=RecordItem.version == record.version)
            for item in derived:
                tx.delete(item)
    except TransactWriteError as error:
        raise _failure(error, record.record_id) from error
    return 1 + len(derived)


def reread(record: RecordItem) -> RecordItem | None:
    """The record as stored now (consistent), whether readers count it or not; None when it is gone."""
    return get_item(RecordItem, record.pk, RECORD_SK)


PURGE_PAGE = 100  # nested records purged with their parent per Query


def nested_page(
    tenant_id: str, entity: str, parent_field: str, parent_id: str, *, start: LastKey | None
) -> Page[RecordItem]:
    """One page of the active records of `entity` under a parent (its collection in GSI1, oldest
    first), whether readers count them or not: what a purge of the parent takes with it."""
    collection = keys.record_link_collection(tenant_id, entity, parent_field, parent_id)
    return index_page(RecordItem, "GSI1", collection, limit=PURGE_PAGE, start=start, forward=True)
