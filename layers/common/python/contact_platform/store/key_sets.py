"""Key sets: the records of an entity that share a normalized value, one item per value holding
their IDs (`members`, a string set), for entities that declare `key_sets` (leads: their email, phone
and each word of their company name in their city, what finds them as duplicates;
docs/data-model.md, "Key sets").

A set holds at most `MOST_MEMBERS` records. The write that would pass it makes the set **common**
instead (`common`, its members removed): a value that many records share finds no candidates, and
no write adds to a common set again. So a set's item stays small whatever the tenant's size: its
updates cost DynamoDB a write unit or two, its reads a read unit, and it never nears the 400 KB
limit of an item. A common set stays common (a reader may know it for good).

A record's write adds it to the sets of its new values and takes it from those it left, in the
write's transaction: an ADD on the condition that the set is not common and has room (concurrent
writes lose no member and never pass the bound), a DELETE. A transaction whose ADD was refused is
written again, that set made common. A reader of many values reads them with BatchGetItem, 100 a
request, however many records the tenant has.

A set names records; what a record is now (active, seen by the caller, its current values) is read
from the record itself, so a member left behind is harmless. A member may carry a note after its ID
(`<id>|<note>`): what a reader may judge it by without reading the record (a lead's company core in
its company-word sets, so that the duplicate check reads only the leads whose core could match).
A write that changes a record's note in a set it stays in adds the new member in its transaction
and deletes the old one right after it (an item takes no ADD and DELETE of one attribute in one
update, nor two updates in one transaction): a member that outlives a crash between the two is
read, like any member left behind (the record's current values decide), and counts towards the
set's bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from pynamodb.attributes import BooleanAttribute, UnicodeSetAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contact_platform.store import keys, wire
from contact_platform.store.table import Item, transaction

KEYS_SK = "KEYS"
MOST_MEMBERS = 50  # a set holds at most so many records; one more makes it common
TRANSACTION_ITEMS = 100
# A transaction is written again after a set refused its condition (`Changes.refuse`); more than
# twice only under races.
WRITE_ATTEMPTS = 3
KNOWN_COMMON = 4096  # the common sets a process keeps in mind (the oldest forgotten first)
Membership = tuple[str, str]  # (the set's partition key, the member: the record ID and its note)
NOTE = "|"  # between a member's record ID and its note


class SetName(NamedTuple):
    """A set a record is in: ("email", "max@example.com"), ("company", "berlin#musterkuche"), and
    the note its member carries there ("" for none)."""

    kind: str
    value: str
    note: str = ""


def member(record_id: str, note: str) -> str:
    return f"{record_id}{NOTE}{note}" if note else record_id


def parsed(member: str) -> tuple[str, str]:
    """A member's record ID and note ("" for a member without one)."""
    record_id, _, note = member.partition(NOTE)
    return record_id, note


class KeySet(Item, discriminator="key-set"):
    members = UnicodeSetAttribute(null=True)
    common = BooleanAttribute(null=True)


_known_common: dict[str, None] = {}  # set PKs this process has seen common, oldest first


def _remember(pks: Iterable[str]) -> None:
    for pk in pks:
        _known_common[pk] = None
    while len(_known_common) > KNOWN_COMMON:
        del _known_common[next(iter(_known_common))]


def set_pks(tenant_id: str, entity: str, names: Iterable[SetName]) -> list[str]:
    return [keys.key_set_pk(tenant_id, entity, kind, value) for kind, value, *_ in names]


def memberships(tenant_id: str, entity: str, record_id: str, names: Iterable[SetName]) -> set[Membership]:
    return {(keys.key_set_pk(tenant_id, entity, name.kind, name.value), member(record_id, name.note)) for name in names}


def read(pks: Iterable[str]) -> dict[str, set[str] | None]:
    """Each set that exists: its members (`parsed` splits one), or None when it is common (one
    BatchGetItem round, consistent, in wire form: store/wire.py). A set written before sets were
    bounded may hold more than MOST_MEMBERS without being common yet: None too (the next migration
    that meets it makes it common)."""
    found: dict[str, set[str] | None] = {}
    for item in wire.batch_get(((pk, KEYS_SK) for pk in pks), ("PK", "members", "common")):
        pk = item["PK"]["S"]
        if item.get("common", {}).get("BOOL"):
            _remember([pk])
            found[pk] = None
            continue
        members = set(item.get("members", {}).get("SS", ()))
        found[pk] = members if len(members) <= MOST_MEMBERS else None
    return found


@dataclass
class Changes:
    """What a write does to key sets: sets `put` whole (new ones, on the condition that they are
    still missing), `added` to (on the condition that the set is not common and has room), members
    `removed`, sets made `common`; members `replaced` (a record's old member in a set it stays in
    with another note), deleted after the write (`written`)."""

    put: dict[str, set[str]] = field(default_factory=dict)
    added: dict[str, set[str]] = field(default_factory=dict)
    removed: dict[str, set[str]] = field(default_factory=dict)
    common: set[str] = field(default_factory=set)
    replaced: dict[str, set[str]] = field(default_factory=dict)

    def refuse(self, pks: set[str]) -> None:
        """The sets a cancelled transaction refused: a set put meanwhile is added to instead, one that
        had no room left (or became common) is made common."""
        for pk in pks:
            if pk in self.put:
                self.added[pk] = self.put.pop(pk)
            elif pk in self.added:
                del self.added[pk]
                self.common.add(pk)

    def write(self, tx: TransactWrite) -> None:
        for pk, members in self.put.items():
            tx.save(
                KeySet(pk=pk, sk=KEYS_SK, members=members),
                condition=KeySet.pk.does_not_exist(),
                return_values="ALL_OLD",
            )
        for pk, members in self.added.items():
            actions: list[Action] = [KeySet.members.add(members), KeySet.kind.set(KeySet)]
            room = MOST_MEMBERS - len(members)
            held = size(KeySet.members)  # type: ignore[no-untyped-call]  # pynamodb's size() has no annotations
            condition = KeySet.common.does_not_exist() & (KeySet.members.does_not_exist() | (held <= room))
            tx.update(KeySet(pk=pk, sk=KEYS_SK), actions=actions, condition=condition, return_values="ALL_OLD")
        for pk, members in self.removed.items():
            if pk not in self.common:
                tx.update(KeySet(pk=pk, sk=KEYS_SK), actions=[KeySet.members.delete(members)])
        for pk in self.common:
            actions = [KeySet.common.set(True), KeySet.kind.set(KeySet), KeySet.members.remove()]
            tx.update(KeySet(pk=pk, sk=KEYS_SK), actions=actions)

    def only(self, pks: Iterable[str]) -> Changes:
        wanted = set(pks)
        return Changes(
            {pk: m for pk, m in self.put.items() if pk in wanted},
            {pk: m for pk, m in self.added.items() if pk in wanted},
            {pk: m for pk, m in self.removed.items() if pk in wanted},
            self.common & wanted,
            {pk: m for pk, m in self.replaced.items() if pk in wanted},
        )

    def pks(self) -> list[str]:
        return list(dict.fromkeys([*self.put, *self.added, *self.removed, *self.common]))

    def take_replaced(self) -> None:
        """Delete the members `replaced`, once the write that added their successors is in (those
        of a set made common went with its members)."""
        for pk, members in self.replaced.items():
            if pk not in self.common:
                KeySet(pk=pk, sk=KEYS_SK).update(actions=[KeySet.members.delete(members)])


def changes(added: Iterable[Membership], removed: Iterable[Membership]) -> Changes:
    """A record write's changes: ADD the members that joined a set, DELETE those that left (netted:
    a record is in a set or not; a set that gains members and loses others deletes those after the
    write, `Changes.replaced`). A set known to be common is left alone; one record more than a set
    may hold makes it common."""
    joined: dict[str, set[str]] = {}
    left: dict[str, set[str]] = {}
    for pk, member in added:
        joined.setdefault(pk, set()).add(member)
    for pk, member in removed:
        left.setdefault(pk, set()).add(member)
    found = Changes()
    for pk in dict.fromkeys([*joined, *left]):
        came, went = joined.get(pk, set()) - left.get(pk, set()), left.get(pk, set()) - joined.get(pk, set())
        if pk in _known_common:
            continue
        if len(came) > MOST_MEMBERS:
            found.common.add(pk)
            continue
        if came:
            found.added[pk] = came
        if went:
            (found.replaced if came else found.removed)[pk] = went
    return found


def refused(error: TransactWriteError) -> set[str]:
    """The sets whose condition a cancelled transaction refused (put meanwhile, common, no room)."""
    return {
        reason.raw_item["PK"]["S"]
        for reason in error.cancellation_reasons or []
        if reason is not None and reason.raw_item and reason.raw_item.get("kind", {}).get("S") == "key-set"
    }


def written(write: Callable[[], None], sets: Changes) -> None:
    """Call `write()`, a transaction that writes `sets`, again after each refusal of a set
    (`Changes.refuse`; WRITE_ATTEMPTS at most, the last refusal raised). The sets made common are
    known from then on."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            write()
        except TransactWriteError as error:
            pks = refused(error)
            if not pks or attempt == WRITE_ATTEMPTS:
                raise
            sets.refuse(pks)
            continue
        _remember(sets.common)
        sets.take_replaced()
        return


def add_all(joined: Iterable[Membership], found: Mapping[str, set[str] | None]) -> None:
    """Many records added to their sets, in TransactWriteItems of at most 100 sets (DynamoDB's limit).
    `found`: what `read` just answered for these sets. A set it did not find is put whole (which costs
    DynamoDB what an ADD costs and the emulator a fraction of it); one it found gets only the records
    not in it yet (a retried run's are); a set they would fill is made common, a common one is left
    alone."""
    by_set: dict[str, set[str]] = {}
    for pk, member in joined:
        by_set.setdefault(pk, set()).add(member)
    sets = Changes()
    for pk, members in by_set.items():
        if pk not in found:
            if len(members) > MOST_MEMBERS:
                sets.common.add(pk)
            else:
                sets.put[pk] = members
            continue
        held = found[pk]
        if held is None:
            if pk not in _known_common:
                sets.common.add(pk)  # holds more than the bound: written before sets were bounded
        elif len(held | members) > MOST_MEMBERS:
            sets.common.add(pk)
        elif members - held:
            sets.added[pk] = members - held
    for chunk in _chunks(sets.pks()):
        part = sets.only(chunk)
        written(partial(_commit, part), part)


def _commit(sets: Changes) -> None:
    with transaction() as tx:
        sets.write(tx)


def _chunks(pks: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(pks), TRANSACTION_ITEMS):
        yield pks[start : start + TRANSACTION_ITEMS]
