"""Key sets: the records of an entity that share a normalized value, one item per value holding
their IDs (`members`, a string set) and how many they are (`memberCount`), for entities that
declare `key_sets` (leads: their email, phone and each word of their company name in their city,
what finds them as duplicates; docs/data-model.md, "Key sets"). A record's write adds it to the sets
of its new values and takes it from those it left, in the write's transaction (ADD and DELETE, the
count moved by as much: concurrent writes never lose a member); a reader of many values reads their
counts, then the members of the sets small enough to matter, with BatchGetItem, 100 a request,
however many records the tenant has.

A set names records; what a record is now (active, seen by the caller, its current values) is read
from the record itself, so a member left behind is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from pynamodb.attributes import NumberAttribute, UnicodeSetAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contact_platform.store import keys, wire
from contact_platform.store.table import Item, transaction

KEYS_SK = "KEYS"
TRANSACTION_ITEMS = 100
Membership = tuple[str, str]  # (the set's partition key, the record ID)
SetName = tuple[str, str]  # (kind, value): ("email", "max@example.com"), ("company", "berlin#musterkuche")


class KeySet(Item, discriminator="key-set"):
    members = UnicodeSetAttribute(null=True)
    member_count = NumberAttribute(null=True, attr_name="memberCount")  # none on sets written before it


def set_pks(tenant_id: str, entity: str, names: Iterable[SetName]) -> list[str]:
    return [keys.key_set_pk(tenant_id, entity, kind, value) for kind, value in names]


def memberships(tenant_id: str, entity: str, record_id: str, names: Iterable[SetName]) -> set[Membership]:
    return {(pk, record_id) for pk in set_pks(tenant_id, entity, names)}


def read(pks: Iterable[str], most: int) -> dict[str, set[str] | None]:
    """Each set that exists: its members, or None when it counts more than `most` (they are not read).
    Two BatchGetItem rounds (consistent; in wire form, store/wire.py): the counts, then the members
    of the small sets, so the bytes read do not grow with the sets a reader skips."""
    counts = {
        item["PK"]["S"]: item.get("memberCount", {}).get("N")
        for item in wire.batch_get(((pk, KEYS_SK) for pk in pks), ("PK", "memberCount"))
    }
    found: dict[str, set[str] | None] = {
        pk: set() if count is None or int(count) <= most else None for pk, count in counts.items()
    }
    small = [pk for pk, members in found.items() if members is not None]
    for item in wire.batch_get(((pk, KEYS_SK) for pk in small), ("PK", "members")):
        found[item["PK"]["S"]] = set(item.get("members", {}).get("SS", ()))
    return found


def apply(tx: TransactWrite, added: Iterable[Membership], removed: Iterable[Membership]) -> None:
    """One update per set: ADD the members that joined, DELETE those that left (netted: a record is
    in a set or not)."""
    changes: dict[str, tuple[set[str], set[str]]] = {}
    for pk, member in added:
        changes.setdefault(pk, (set(), set()))[0].add(member)
    for pk, member in removed:
        changes.setdefault(pk, (set(), set()))[1].add(member)
    for pk, (joined, left) in changes.items():
        joined, left = joined - left, left - joined
        actions: list[Action] = []
        if joined:
            actions += [KeySet.members.add(joined), KeySet.kind.set(KeySet)]
        if left:
            actions.append(KeySet.members.delete(left))
        if actions:
            actions.append(KeySet.member_count.add(len(joined) - len(left)))
            tx.update(KeySet(pk=pk, sk=KEYS_SK), actions=actions)


def add_all(joined: Iterable[Membership], found: Mapping[str, set[str] | None]) -> None:
    """Many records added to their sets, in TransactWriteItems of at most 100 sets (DynamoDB's limit).
    `found`: what `read` just answered for these sets. A set it did not find is put whole on the
    condition that it is still missing, which costs DynamoDB what an ADD costs and the emulator a
    fraction of it (a set made meanwhile cancels its transaction, whose sets are then added to like
    the others); a set whose members it read gets only the records not in it yet, so adding a record
    again (a retried run's) leaves its count right."""
    by_set: dict[str, set[str]] = {}
    for pk, member in joined:
        by_set.setdefault(pk, set()).add(member)
    new = [pk for pk in by_set if pk not in found]
    existing = [pk for pk in by_set if pk not in new]
    for chunk in _chunks(new):
        try:
            with transaction() as tx:
                for pk in chunk:
                    members = by_set[pk]
                    item = KeySet(pk=pk, sk=KEYS_SK, members=members, member_count=len(members))
                    tx.save(item, condition=KeySet.pk.does_not_exist())
        except TransactWriteError:
            existing += chunk
    added = {pk: by_set[pk] - (found.get(pk) or set()) for pk in existing}
    for chunk in _chunks([pk for pk, members in added.items() if members]):
        with transaction() as tx:
            apply(tx, [(pk, member) for pk in chunk for member in added[pk]], [])


def _chunks(pks: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(pks), TRANSACTION_ITEMS):
        yield pks[start : start + TRANSACTION_ITEMS]
