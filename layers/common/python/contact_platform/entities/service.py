"""The generic service of every declared entity (docs/architecture.md, "Entities"): create,
update, merge, soft delete and restore (reading a record: entities/reads.py; its lists:
entities/lists.py), with the platform's rules written once:

- 404 for what the caller may not see (entities/reads.py); 403 when a `user` changes a record it
  can see but does not own;
- `If-Match` (412), a version check on every write and a few attempts when another request wrote
  between read and write (409 after them);
- references checked to exist in the tenant and be visible to the caller (422 naming the field);
- unique fields by guard items in the same transaction (409 naming the holder only when readable);
- an audit item in the same transaction as every write; soft delete purged after 90 days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from enum import Enum
from typing import Any

from contact_platform import clock, errors
from contact_platform.entities import references
from contact_platform.entities.entity import Entity
from contact_platform.entities.reads import governing_parent, referenced, references_read, to_api, visible_record
from contact_platform.entities.shapes import shapes
from contact_platform.entities.visibility import EVERYONE, gone, seen, visible
from contact_platform.errors import Detail
from contact_platform.ids import new_id
from contact_platform.models.base import Model
from contact_platform.permissions import Caller, Role
from contact_platform.services import audit, search_terms, users
from contact_platform.services.versions import Precondition
from contact_platform.store import key_sets
from contact_platform.store import records as store
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.records import RecordItem

RETENTION = timedelta(days=90)
_WRITE_ATTEMPTS = 3


# Who may change a record (reading it: entities/reads.py) ----------------------------------


def _may_change(entity: Entity, caller: Caller, record: RecordItem) -> None:
    if not caller.may_access(record.owner_id or caller.user_id):
        raise errors.forbidden(f"Only the owner, an admin or a manager may change this {entity.label.lower()}")


def _changeable(entity: Entity, caller: Caller, record_id: str) -> tuple[RecordItem, RecordItem | None]:
    record, parent = visible_record(entity, caller, record_id)
    _may_change(entity, caller, record)
    governing = governing_parent(entity)
    if governing is not None and parent is not None:
        _may_change(governing, caller, parent)
    return record, parent


# Writing ---------------------------------------------------------------------------------------


def _problems(
    entity: Entity,
    caller: Caller,
    data: dict[str, Any],
    changed: set[str],
    sent: set[str],
    known: Mapping[str, dict[str, Any] | None] | None = None,
) -> list[Detail]:
    """What is wrong with the record as it would be stored; fills in the inherited fields not `sent`
    from the references that changed. `known`: records the caller read already, by reference field
    (a create's governing parent)."""
    problems = []
    read = dict(known or {})  # reference field -> what it names, as read
    checked = [
        field
        for field in entity.references
        if data.get(field) is not None and {field, str(entity.within.get(field))} & changed
    ]
    agreeing = [  # the other reference an inherited field must agree with (`_disagreeing`)
        other
        for name, (_, other) in entity.inherit_agreeing.items()
        if name not in sent and entity.inherit[name][0] in checked and data.get(other)
    ]
    wanted = {field: (entity.references[field], str(data[field])) for field in [*checked, *agreeing]}
    read |= references_read(caller, {field: named for field, named in wanted.items() if field not in read})
    for field in checked:
        target, shared = entity.references[field], entity.within.get(field)
        found_record = read[field]
        if found_record is None:
            problems.append(Detail(field, f"no {target.replace('_', ' ')} with this id"))
            continue
        for name, (reference, source) in entity.inherit.items():
            if reference == field and name not in sent and found_record.get(source) is not None:
                disagreeing = _disagreeing(entity, caller, name, found_record, data, read)
                if disagreeing is not None:
                    problems.append(disagreeing)
                else:
                    data[name] = found_record[source]
        if shared is not None and found_record.get(shared) != data.get(shared):
            problems.append(Detail(field, f"not a {target.replace('_', ' ')} of this {shared.removesuffix('Id')}"))
    problems += entity.checks(data, changed) if entity.checks else []
    wrong = {problem.field for problem in problems}  # a problem of its reference says why it is missing too
    return problems + [
        Detail(name, "required")
        for name, (reference, _) in entity.inherit.items()
        if _required(entity, name) and data.get(name) is None and not {name, reference} & wrong
    ]


def _required(entity: Entity, name: str) -> bool:
    return entity.fields.model_fields[name].is_required()


def _disagreeing(
    entity: Entity,
    caller: Caller,
    name: str,
    source: dict[str, Any],
    data: dict[str, Any],
    read: dict[str, dict[str, Any] | None],
) -> Detail | None:
    """Why `name` may not be inherited from `source` (`inherit_agreeing`): it has another value of the
    shared field than the record of the other reference (read here unless `read` has it)."""
    if name not in entity.inherit_agreeing:
        return None
    shared, other = entity.inherit_agreeing[name]
    if other not in read:
        read[other] = referenced(caller, entity.references[other], data[other]) if data.get(other) else None
    theirs, ours = source.get(shared), (read[other] or {}).get(shared)
    if theirs == ours:
        return None
    source_label = entity.references[entity.inherit[name][0]].replace("_", " ")
    other_label = entity.references[other].replace("_", " ")
    return Detail(name, f"required: the {source_label}'s {shared} is {theirs}, the {other_label}'s is {ours}")


def _sort_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return f"{float(value):024.6f}"  # fields sorted by number are never negative
    return search_terms.fold(str(value))[:200]


def _value_at(data: dict[str, Any], path: str) -> Any:
    """A field's value; `contact.firstName`: a field of the object in `contact`."""
    value: Any = data
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _searched_value(data: dict[str, Any], searched: str) -> str:
    """The text a `search` entry names: a field's value, or the values of its fields (`contact.firstName
    contact.lastName`) joined as one name."""
    return " ".join(str(value) for path in searched.split() if (value := _value_at(data, path)))


def _derive(entity: Entity, record: RecordItem) -> None:
    """The record's derived state, from its data alone (store/records.py)."""
    data = store.data_of(record)
    scope = f"{data.get(entity.unique_within)}#" if entity.unique_within else ""
    forms = {  # a reference's ID as it is (IDs are case-sensitive), other values folded, also spelled out
        field: [str(data[field])] if field in entity.references else search_terms.unique_forms(str(data[field]))
        for field in entity.unique
        if data.get(field) is not None
    }
    record.unique_keys = {
        store.unique_slot(field, number): scope + form
        for field, held in forms.items()
        for number, form in enumerate(held)
    }
    values = [value for searched in entity.search if (value := _searched_value(data, searched))]
    whole = [search_terms.fold(value)[: search_terms.MAX_TOKEN_LENGTH] for value in values]  # `crm-std` too
    record.search_tokens = search_terms.without_prefixes([*search_terms.name_tokens(*values), *whole])
    record.sort_values = [_sort_value(data.get(field)) or "" for field in entity.sort]
    record.reference_keys = {
        field: f"{target}#{data[field]}" for field, target in entity.references.items() if data.get(field)
    }
    if entity.link:
        record.link_field, record.link_value = entity.link, data.get(entity.link)
    if entity.parent:
        record.parent_field, record.parent_value = entity.parent, data.get(entity.parent)


def _audit(
    entity: Entity,
    caller: Caller,
    old: RecordItem | None,
    new: RecordItem,
    action: str,
    changed: list[str],
    seed: str | None = None,
    **extra: Any,
) -> Any:
    """The write's audit entry with its event: `<entity>.<action>`, unless the entity names the change
    otherwise (deals: `won`, `lost`), and the record before and after as the API returns it (`seed`:
    audit.entry's)."""
    record, before = to_api(entity, new), to_api(entity, old) if old is not None else None
    if entity.event is not None and before is not None:
        action = entity.event(before.model_dump(), record.model_dump()) or action
    return audit.entry(
        caller,
        entity_type=entity.name,
        entity_id=new.record_id,
        action=f"{entity.name}.{action}",
        at=clock.parse_iso(new.updated_at),
        changed=changed,
        record=record,
        before=before,
        seed=seed,
        **extra,
    )


def _taken(entity: Entity, caller: Caller, taken: UniqueValueTaken) -> errors.ApiError:
    holder = store.get_record(caller.tenant_id, entity.name, taken.owner_id)
    readable = holder is not None and visible(caller, holder, entity.readers)
    issue = f"already used by {entity.label.lower()} {taken.owner_id}" if readable else "already taken"
    return errors.conflict(f"{entity.label} already exists", [Detail(taken.value, issue)])


def _counted(record: RecordItem | None) -> dict[str, Any] | None:
    """What a tally sees of a record: its fields and owner while it is active."""
    if record is None or not record.is_active:
        return None
    return {**store.data_of(record), "ownerId": record.owner_id, "visibleTo": record.visible_to}


def _change(
    entity: Entity,
    caller: Caller,
    old: RecordItem | None,
    new: RecordItem,
    action: str,
    changed: list[str],
    **extra: Any,
) -> tuple[store.Change, list[Any]]:
    """The record's write with its server fields, derived state, audit item, key sets and tallies."""
    _settle(entity, old, new)
    increments = entity.tallies(caller.tenant_id, _counted(old), _counted(new)) if entity.tallies else []
    before, after = memberships(entity, old), memberships(entity, new)
    audit_item = _audit(entity, caller, old, new, action, changed, **extra)
    return store.Change(old, new, audit_item, frozenset(after - before), frozenset(before - after)), increments


def _settle(entity: Entity, old: RecordItem | None, new: RecordItem) -> None:
    """The server fields a write sets (`on_write`) and the derived state, on the record to write."""
    if entity.on_write is not None:
        data = store.data_of(new)
        data.update(entity.on_write(store.data_of(old) if old else None, data, new.updated_at))
        new.data = {name: value for name, value in data.items() if value is not None}
    _derive(entity, new)


def memberships(entity: Entity, record: RecordItem | None) -> set[key_sets.Membership]:
    """The key sets an active record is in."""
    if entity.key_sets is None or record is None or not record.is_active:
        return set()
    names = entity.key_sets(store.data_of(record))
    return key_sets.memberships(record.tenant_id, entity.name, record.record_id, names)


def prepared(entity: Entity, caller: Caller, data: dict[str, Any], record_id: str, at: str) -> RecordItem:
    """A new record as a create writes it (server fields, derived state), not written: for a writer
    of many records at once (the lead migration, services/lead_batches.py), which puts it with
    `store.put_written` and its key sets with `key_sets.add_all(memberships(...), <what key_sets.read
    found>)`. `data`: the checked fields, the owner under the entity's owner field."""
    record = store.new_record(caller.tenant_id, entity.name, record_id, created_by=caller.user_id, at=at)
    fields = dict(data)
    if entity.owner is not None:
        record.owner_id = fields.pop(entity.owner, None) or caller.user_id
    record.data = fields
    _settle(entity, None, record)
    return record


def _rolled_up(
    entity: Entity, caller: Caller, old: RecordItem | None, new: RecordItem, parent: RecordItem | None
) -> tuple[list[store.Change], list[Any]]:
    """The parent's new sum and count of its records (deal products: the deal's value), if they change."""
    rollup, governing = entity.rollup, governing_parent(entity)
    if rollup is None or governing is None:
        return [], []

    def share(record: RecordItem | None) -> tuple[float, int]:
        active = record is not None and record.is_active
        return (float(store.data_of(record).get(rollup.field, 0)), 1) if record is not None and active else (0.0, 0)

    (was, was_counted), (now, now_counted) = share(old), share(new)
    if (was, was_counted) == (now, now_counted):
        return [], []
    if parent is None or not parent.is_active:
        raise errors.conflict(f"Its {governing.label.lower()} is deleted; restore that first")
    data = store.data_of(parent)
    count = int(data.get(rollup.count, 0))
    base = float(data.get(rollup.into, 0)) if count else 0.0  # the first record replaces a value typed in
    data[rollup.into] = round(base - was + now, 6)
    data[rollup.count] = count - was_counted + now_counted
    summed = store.copy_of(parent)
    summed.data, summed.updated_at, summed.version = data, new.updated_at, parent.version + 1
    change, increments = _change(governing, caller, parent, summed, "updated", [rollup.into, rollup.count])
    return [change], increments


def _write(
    entity: Entity,
    caller: Caller,
    old: RecordItem | None,
    new: RecordItem,
    action: str,
    changed: list[str],
    parent: RecordItem | None = None,
    *,
    raise_taken: bool = False,
) -> None:
    """Write the change with its derived items, audit entry and the parent's rollup. A unique value
    another record holds (once more after a stale guard in the way is released): 409 (`_taken`), or
    UniqueValueTaken itself with `raise_taken`."""
    change, increments = _change(entity, caller, old, new, action, changed)
    parents, parent_increments = _rolled_up(entity, caller, old, new, parent)
    for attempt in range(2):
        try:
            store.write([change, *parents], [*increments, *parent_increments])
            return
        except UniqueValueTaken as taken:
            if attempt or not _stale(new, taken):
                if raise_taken:
                    raise
                raise _taken(entity, caller, taken) from taken


def _stale(record: RecordItem, taken: UniqueValueTaken) -> bool:
    """Whether the guard in the way was left by a batch that never committed, and is gone now: every
    form of the field's value (`unique_keys`) is free again."""
    value_keys = [
        str(value_key)
        for slot, value_key in dict(record.unique_keys.as_dict()).items()  # type: ignore[no-untyped-call]
        if store.slot_field(slot) == taken.value
    ]
    now = clock.epoch(clock.now())
    released = [
        store.release_stale_guard(record.tenant_id, record.entity, taken.value, key, now=now) for key in value_keys
    ]
    return bool(released) and all(released)


def set_server_fields(
    entity: Entity, caller: Caller, old: RecordItem, values: dict[str, Any], claims: list[Any] | None = None
) -> RecordItem:
    """Give the record read (`old`) the server fields `values` (what no body sets: a code wave's
    code), with its audit entry and event (`updated`) and the `claims` (items that must not exist
    yet) in one transaction, over the version read. Raises StaleVersion when the record changed since,
    store.errors.ClaimTaken when a claimed item exists."""
    new = store.copy_of(old)
    new.data = store.data_of(old) | values
    new.updated_at, new.version = clock.iso(clock.now()), old.version + 1
    change, increments = _change(entity, caller, old, new, "updated", sorted(values))
    store.write([change], increments, claims or [])
    return new


def created_audit(entity: Entity, caller: Caller, record: RecordItem, seed: str) -> Any:
    """The audit entry (with its `created` event) of a record written by a writer of many records at
    once (a batch of campaign entries), which puts it once the records exist for readers; its ID
    derived from `seed`, so that putting it again changes nothing."""
    return _audit(entity, caller, None, record, "created", [], seed=seed)


def parent_of(
    entity: Entity, caller: Caller, parent_id: str | None, *, changing: bool = False
) -> tuple[dict[str, str], RecordItem | None]:
    """The parent of a nested entity's record, named by the path: 404 when the caller may not see it
    (403 when it would change a governing parent it may not change); the governing parent's record."""
    if entity.parent is None or parent_id is None:
        return {}, None
    from contact_platform.entities.catalog import entity as declared

    target, governing = entity.references[entity.parent], governing_parent(entity)
    if governing is None:
        if referenced(caller, target, parent_id) is None:
            raise errors.not_found(declared(target).label)
        return {entity.parent: parent_id}, None
    parent = store.get_record(caller.tenant_id, target, parent_id)
    if parent is None or not seen(caller, parent, governing.readers):
        raise errors.not_found(governing.label)
    if changing:
        _may_change(governing, caller, parent)
    return {entity.parent: parent_id}, parent


def create(
    entity: Entity, caller: Caller, body: Model, parent_id: str | None = None, record_id: str | None = None
) -> Model:
    """A new record (`record_id`: an ID chosen by the platform itself, as the local demo admin's)."""
    given = body.model_dump(mode="json", exclude_none=True, exclude=set(entity.owner_fields))
    if entity.guard is not None:
        entity.guard(caller, None, given)
    named = {entity.parent: parent_id} if entity.parent is not None and parent_id is not None else {}
    # Again when the governing parent or a guarded tally changed meanwhile, or when a unique value the
    # create filled in itself (a stage's place after the last) was taken by another create meanwhile.
    for _ in range(_WRITE_ATTEMPTS):
        filled = entity.defaults(caller, given | named) if entity.defaults is not None else {}
        sent = filled | given
        at_parent, parent = parent_of(entity, caller, parent_id, changing=True)
        data = sent | at_parent
        known = {str(entity.parent): store.data_of(parent)} if parent is not None else {}
        problems = _problems(entity, caller, data, set(sent), set(sent), known)
        if problems:
            raise errors.invalid(problems)
        record = store.new_record(
            caller.tenant_id,
            entity.name,
            record_id or new_id(entity.prefix),
            created_by=caller.user_id,
            at=clock.iso(clock.now()),
        )
        record.data = data
        if entity.owner is not None:
            record.owner_id = getattr(body, entity.owner, None) or caller.user_id
            users.require_assignable_owner(caller, record.owner_id, entity.owner)
            record.visible_to = (getattr(body, "visibleTo", None) or EVERYONE) if entity.shared else None
        try:
            _write(entity, caller, None, record, "created", [], parent, raise_taken=bool(filled))
        except StaleVersion:
            continue
        except UniqueValueTaken as taken:
            if taken.value in set(filled) - set(given):
                continue
            raise _taken(entity, caller, taken) from taken
        return to_api(entity, record)
    raise errors.busy(entity.label)


def _patched(entity: Entity, caller: Caller, old: RecordItem, sent: dict[str, Any]) -> tuple[RecordItem, list[str]]:
    """`sent` has no null for a required field: the patch model refuses it (entities/shapes.py)."""
    new = store.copy_of(old)
    data = store.data_of(old)
    for name, value in sent.items():
        if name in entity.owner_fields:
            continue
        default = entity.fields.model_fields[name].default
        default = default.value if isinstance(default, Enum) else default  # as stored: a user's role
        if value is None and default is not None:
            data[name] = default  # null puts back the default of a field that has one (`active`: true)
        elif value is None:
            data.pop(name, None)
        else:
            data[name] = value
    new.data = data
    owner = sent.get(entity.owner) if entity.owner is not None else None
    if owner is not None:
        users.require_assignable_owner(caller, owner, str(entity.owner))
        new.owner_id = owner
    if sent.get("visibleTo") is not None:
        new.visible_to = sent["visibleTo"]
    before, after = to_api(entity, old).model_dump(), to_api(entity, new).model_dump()
    changed = sorted(name for name in sent if before.get(name) != after.get(name))
    problems = _problems(entity, caller, data, set(changed), set(sent))
    if problems:
        raise errors.invalid(problems)
    new.data = data  # with the fields inherited from a changed reference
    inherited = [name for name in entity.inherit if name not in sent and before.get(name) != data.get(name)]
    return new, sorted([*changed, *inherited])


def update(
    entity: Entity,
    caller: Caller,
    record_id: str,
    patch: Model | Callable[[dict[str, Any]], Model],
    if_match: str | None,
) -> Model:
    """Change the fields sent: the patch, or what `patch` makes of the record as read (its fields),
    asked on every attempt, so that a change built on the current state (an item added to a list) or
    a rule about it (raising the error to answer) holds against a concurrent write."""
    precondition = Precondition.of(if_match, entity.label)
    for _ in range(_WRITE_ATTEMPTS):
        old, parent = _changeable(entity, caller, record_id)
        precondition.check(old.version)
        current = patch(store.data_of(old)) if callable(patch) else patch
        sent = current.model_dump(mode="json", exclude_unset=True)
        if entity.guard is not None:
            entity.guard(caller, store.data_of(old) | {"id": record_id}, sent)
        new, changed = _patched(entity, caller, old, sent)
        if not changed:
            return to_api(entity, old)
        new.updated_at = clock.iso(clock.now())
        new.version = old.version + 1
        try:
            _write(entity, caller, old, new, "updated", changed, parent)
        except StaleVersion:
            precondition.after_lost_race()
            continue
        if entity.after_write is not None:
            entity.after_write(caller, store.data_of(old) | {"id": record_id}, store.data_of(new) | {"id": record_id})
        return to_api(entity, new)
    raise errors.busy(entity.label)


def move_reference(
    entity: Entity, caller: Caller, record_id: str, field: str, from_id: str, values: dict[str, Any]
) -> bool:
    """Give an active record whose `field` names `from_id` the `values` instead (None: unset), whoever
    owns it: what a delete or merge asks of the records referencing (entities/references.py). False
    when the record is gone or no longer names `from_id`, or when the values would take a unique value
    another record holds (a merged contact's campaign entry where the survivor has one already): the
    record stays as it is."""
    for _ in range(_WRITE_ATTEMPTS):
        old = store.get_record(caller.tenant_id, entity.name, record_id)
        if old is None or not old.is_active or store.data_of(old).get(field) != from_id:
            return False
        before = store.data_of(old)
        data = {name: value for name, value in (before | values).items() if value is not None}
        new = store.copy_of(old)
        new.data, new.updated_at, new.version = data, clock.iso(clock.now()), old.version + 1
        changed = sorted(name for name in values if before.get(name) != data.get(name))
        try:
            _write(entity, caller, old, new, "updated", changed, raise_taken=True)
        except StaleVersion:
            continue
        except UniqueValueTaken:
            return False
        return True
    raise errors.busy(entity.label)


def _deleted(caller: Caller, old: RecordItem) -> RecordItem:
    """The record soft-deleted by the caller now: inactive, purged after RETENTION."""
    now = clock.now()
    new = store.copy_of(old)
    new.is_active, new.deleted_at, new.deleted_by = False, clock.iso(now), caller.user_id
    new.expires_at = clock.epoch(now + RETENTION)
    new.updated_at, new.version = clock.iso(now), old.version + 1
    return new


def delete(entity: Entity, caller: Caller, record_id: str, if_match: str | None, query: Model | None = None) -> Model:
    """Soft delete: out of every list, search and reference at once, unique values free, purged after
    90 days; then the records referencing it move as its declaration says (`before_delete`)."""
    precondition = Precondition.of(if_match, entity.label)
    for _ in range(_WRITE_ATTEMPTS):
        old, parent = _changeable(entity, caller, record_id)
        precondition.check(old.version)
        moves = []
        if entity.before_delete is not None:
            moves = entity.before_delete(caller, store.data_of(old) | {"id": old.record_id}, query)
        try:
            _write(
                entity, caller, old, _deleted(caller, old), "deleted", ["isActive", "deletedAt", "deletedBy"], parent
            )
        except StaleVersion:
            precondition.after_lost_race()
            continue
        operation_id = references.run(caller, moves, f"{entity.name}.deleted") if moves else None
        message = f"{entity.label} deleted successfully"
        if operation_id is not None:
            message += "; the records that referenced it are moving in a job"
        return shapes(entity).deleted.model_validate({"id": record_id, "message": message, "operationId": operation_id})
    raise errors.busy(entity.label)


def merge(
    entity: Entity, caller: Caller, record_id: str, merge_with_id: str, dry_run: bool, if_match: str | None
) -> Model:
    """Merge a duplicate into the record `merge_with_id` (docs/architecture.md, "Merging duplicates"):
    the survivor keeps its values and takes the other's where it has none (not unique ones, nor what
    the server sets; custom fields united, the survivor's keys winning); the other is soft-deleted with
    `mergedInto`, in the same transaction with one audit entry; then the records of `entity.merges`
    naming it move to the survivor. `If-Match` holds the version of the record merged away (the one in
    the path)."""
    label = entity.label.lower()
    if merge_with_id == record_id:
        raise errors.invalid([Detail("mergeWithId", f"the {label} itself")])
    precondition = Precondition.of(if_match, entity.label)
    for _ in range(_WRITE_ATTEMPTS):
        other, _ = _changeable(entity, caller, record_id)
        precondition.check(other.version)
        survivor = store.get_record(caller.tenant_id, entity.name, merge_with_id)
        if survivor is None or not seen(caller, survivor, entity.readers):
            raise errors.invalid([Detail("mergeWithId", f"no {label} with this id")])
        _may_change(entity, caller, survivor)
        kept, taken = store.data_of(survivor), set(entity.unique) | set(entity.server_fields)
        filled = {}
        for name, value in store.data_of(other).items():
            mine = kept.get(name)
            if name in taken:
                continue
            if isinstance(value, dict) and isinstance(mine, dict):  # custom fields: united, the survivor's win
                if {**value, **mine} != mine:
                    filled[name] = {**value, **mine}
            elif mine in (None, ""):
                filled[name] = value
        merged = store.copy_of(survivor)
        merged.data = kept | filled
        merged.updated_at, merged.version = clock.iso(clock.now()), survivor.version + 1
        gone = _deleted(caller, other)
        gone.merged_into = merge_with_id
        answer = {"merged": to_api(entity, merged), "mergedId": record_id, "dryRun": dry_run}
        if dry_run:
            return shapes(entity).merged.model_validate(answer)
        change, increments = _change(entity, caller, survivor, merged, "merged", sorted(filled), mergedId=record_id)
        removal, removed = _change(entity, caller, other, gone, "merged", [])
        removal.audit = None  # the survivor's entry tells of both
        try:
            store.write([change, removal], [*increments, *removed])
        except StaleVersion:
            precondition.after_lost_race()
            continue
        moves = [
            references.Move(
                entity.name, record_id, entity.reference_field, entity.merges, {entity.reference_field: merge_with_id}
            )
        ]
        operation_id = references.run(caller, moves, f"{entity.name}.merged")
        return shapes(entity).merged.model_validate({**answer, "operationId": operation_id})
    raise errors.busy(entity.label)


def admins_only(entity: Entity, caller: Caller) -> None:
    if caller.role != Role.ADMIN:
        raise errors.forbidden(f"Only admins restore a deleted {entity.label.lower()} or list them")


def restore(entity: Entity, caller: Caller, record_id: str, if_match: str | None) -> Model:
    """Bring back a soft-deleted record not yet purged (admins); 409 if a unique value was taken since,
    or if it was merged into another (what moved to the survivor stays there: a merge is not undone)."""
    admins_only(entity, caller)
    old = store.get_record(caller.tenant_id, entity.name, record_id)
    if old is None or gone(old):
        raise errors.not_found(entity.label)
    precondition = Precondition.of(if_match, entity.label)
    precondition.check(old.version)
    if old.is_active:
        raise errors.conflict(f"{entity.label} is not deleted")
    if old.merged_into:
        raise errors.conflict(f"{entity.label} was merged into {old.merged_into}; a merge is not undone")
    new = store.copy_of(old)
    new.is_active, new.deleted_at, new.deleted_by, new.expires_at = True, None, None, None
    new.updated_at, new.version = clock.iso(clock.now()), old.version + 1
    parent = _restored_under(entity, caller, old)
    _require_references(entity, caller, store.data_of(old))
    try:
        _write(entity, caller, old, new, "restored", ["isActive", "deletedAt", "deletedBy"], parent)
    except StaleVersion:
        precondition.after_lost_race()
        raise errors.busy(entity.label) from None
    return to_api(entity, new)


def _restored_under(entity: Entity, caller: Caller, old: RecordItem) -> RecordItem | None:
    """The parent a nested record is restored under (its governing parent's record, else None): 404
    when the parent is gone (purged with what hung on it), 409 while it is deleted."""
    if entity.parent is None:
        return None
    from contact_platform.entities.catalog import entity as declared

    target = declared(entity.references[entity.parent])
    parent = store.get_record(caller.tenant_id, target.name, str(old.parent_value))
    if parent is None or gone(parent):
        raise errors.not_found(entity.label)
    if not parent.is_active:
        raise errors.conflict(f"Its {target.label.lower()} {parent.record_id} is deleted; restore that first")
    return parent if governing_parent(entity) else None


def _require_references(entity: Entity, caller: Caller, data: dict[str, Any]) -> None:
    """409 when a record would come back without a record it cannot be without: a required reference
    (a deal's stage, an entry's contact) that names a deleted one. Optional ones may keep naming a
    deleted record, as they do when it is deleted after them."""
    required = {
        field: (target, str(data.get(field)))
        for field, target in entity.references.items()
        if field != entity.parent
        and field in entity.fields.model_fields
        and entity.fields.model_fields[field].is_required()
    }
    read = references_read(caller, required)
    missing = [
        Detail(field, f"names a deleted {target.replace('_', ' ')}: restore that first")
        for field, (target, _) in required.items()
        if read[field] is None
    ]
    if missing:
        raise errors.conflict(f"{entity.label} names deleted records; restore them first", missing)
