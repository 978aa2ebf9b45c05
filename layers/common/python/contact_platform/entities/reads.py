"""Reading the records of every declared entity (docs/architecture.md, "Entities"): one record as
the caller may see it (404 for what it may not: another tenant's, another user's private record, a
deleted one, one linked to a record it may not see), what the API shows of it, and the records a
write's references name, read together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contact_platform import clock, errors
from contact_platform.entities.entity import Entity
from contact_platform.entities.shapes import shapes
from contact_platform.entities.visibility import seen, visible
from contact_platform.models.base import Model
from contact_platform.permissions import Caller
from contact_platform.services import users
from contact_platform.store import records as store
from contact_platform.store.records import RecordItem


def governing_parent(entity: Entity) -> Entity | None:
    """The owned parent whose visibility a nested entity without an owner of its own takes (deal products)."""
    if entity.parent is None or entity.owned:
        return None
    from contact_platform.entities.catalog import entity as declared

    parent = declared(entity.references[entity.parent])
    return parent if parent.owned else None


def visible_record(entity: Entity, caller: Caller, record_id: str) -> tuple[RecordItem, RecordItem | None]:
    """The caller's active, visible record and its governing parent, or 404 (the same answer for one it
    may not see). A nested record whose parent is deleted (or not seen) is gone with it: a deleted
    pipeline's stages, a deleted campaign's entries (a restore of the parent brings them back)."""
    record = store.get_record(caller.tenant_id, entity.name, record_id)
    if record is None or not record.is_active or not visible(caller, record, entity.readers):
        raise errors.not_found(entity.label)
    if not links_seen(entity, caller, [record]):  # linked to a record the caller may not see
        raise errors.not_found(entity.label)
    if entity.parent is None:
        return record, None
    from contact_platform.entities.catalog import entity as declared

    governing = governing_parent(entity)
    holder = governing or declared(entity.references[entity.parent])
    parent = store.get_record(caller.tenant_id, holder.name, str(record.parent_value))
    if parent is None or not seen(caller, parent, holder.readers):
        raise errors.not_found(entity.label)
    return record, parent if governing is not None else None


def found(entity: Entity, caller: Caller, record_id: str) -> RecordItem:
    return visible_record(entity, caller, record_id)[0]


def links_seen(entity: Entity, caller: Caller, records: list[RecordItem]) -> list[RecordItem]:
    """Those of the records whose linked records (`seen_with`) the caller sees, each one it names:
    for callers who do not see every record, one read of the records all of them name (one GetItem
    for one, else a BatchGetItem for contacts and one for the others)."""
    if not entity.seen_with or caller.sees_all_records or not records:
        return records
    links = {
        (record.record_id, field): (entity.references[field], str(named))
        for record in records
        for field in entity.seen_with
        if (named := store.data_of(record).get(field)) is not None
    }
    read = references_read(caller, {f"{record_id}|{field}": named for (record_id, field), named in links.items()})
    hidden = {record_id for (record_id, field) in links if read[f"{record_id}|{field}"] is None}
    return [record for record in records if record.record_id not in hidden]


def fields_of(entity: Entity, record: RecordItem, now: str) -> dict[str, Any]:
    """The record's fields as the API names them: its data, what is derived when it is read at `now`,
    who owns and who sees it."""
    fields = store.data_of(record)
    if entity.on_read is not None:
        fields.update(entity.on_read(fields, now))
    if entity.owner is not None:
        fields[entity.owner] = record.owner_id
    if entity.owned and entity.shared:
        fields["visibleTo"] = record.visible_to
    return fields


def shown(entity: Entity, record: RecordItem, now: str) -> dict[str, Any]:
    """What the API shows of a record read at `now`."""
    return {
        **fields_of(entity, record, now),
        "id": record.record_id,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "version": int(record.version),
    }


def to_api(entity: Entity, record: RecordItem, now: str | None = None) -> Model:
    """The record as the API returns it, read at `now` (default: now)."""
    return shapes(entity).public.model_validate(shown(entity, record, now or clock.iso(clock.now())))


def get(entity: Entity, caller: Caller, record_id: str) -> Model:
    return to_api(entity, found(entity, caller, record_id))


def referenced(caller: Caller, target: str, record_id: str) -> dict[str, Any] | None:
    """The fields of the record a reference names, if it exists in the tenant and the caller sees it."""
    return references_read(caller, {"": (target, record_id)})[""]


def references_read(caller: Caller, wanted: Mapping[str, tuple[str, str]]) -> dict[str, dict[str, Any] | None]:
    """Field -> the fields of the record it names (entity, ID), if it exists in the tenant and the
    caller sees it; else None (a user: {} if active). One GetItem for one, else one BatchGetItem for
    the records (users among them) and one for the contacts (docs/data-model.md, "Request budgets")."""
    tenant = caller.tenant_id
    named = {(target, record_id) for target, record_id in wanted.values()}
    contact_ids = [record_id for target, record_id in named if target == "contact"]
    records = [(target, record_id) for target, record_id in named if target != "contact"]
    contacts: dict[str, Any] = {}
    if contact_ids:
        from contact_platform.store import contacts as contact_store  # only entities that reference contacts

        if len(named) == 1:
            contacts = {contact_ids[0]: contact_store.get_contact(tenant, contact_ids[0])}
        else:
            contacts = dict(contact_store.get_contacts(tenant, contact_ids))
    found: dict[tuple[str, str], RecordItem | None] = {}
    if len(records) == 1 and len(named) == 1:
        found = {records[0]: store.get_record(tenant, *records[0])}
    elif records:
        found = dict(store.get_records_of(tenant, records))

    def seen_fields(target: str, record_id: str) -> dict[str, Any] | None:
        if target == "contact":
            contact = contacts.get(record_id)
            return {} if contact is not None and contact.is_active and caller.may_access(contact.owner_id) else None
        record = found.get((target, record_id))
        if target == "user":
            return {} if users.active(record) else None
        return store.data_of(record) if record is not None and seen(caller, record) else None

    return {field: seen_fields(target, record_id) for field, (target, record_id) in wanted.items()}
