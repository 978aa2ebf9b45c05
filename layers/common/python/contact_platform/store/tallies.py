"""Tallies: counters kept in the same transaction as the records they count, so an aggregate is read
in requests that do not grow with the records (docs/data-model.md, "Tallies").

A tally item counts the records of one group (`count`, the sum of their `value`) under a partition
that says who may read it (`T#DEALTALLY#ALL`, `#OWNER#u`, `#SHARED`, `#SHARED#OWNER#u`,
`#PRIVATE#u`) and a sort key naming the group (`<status>#<pipelineId>#<stageId>#<currency>`).
A record's write adds its share to the groups it is in and takes its old share from the groups it
left (`Increment`s, applied with ADD in the record's TransactWriteItems).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from contact_platform.store.table import Item

_PAGE = 500


class Tally(Item, discriminator="tally"):
    records = NumberAttribute(default=0, attr_name="count")  # `count` is pynamodb's Model.count
    value = NumberAttribute(default=0)


@dataclass(frozen=True)
class Increment:
    pk: str
    sk: str
    count: int
    value: float
    # The count the tally must hold before the write for it to go ahead (the last active admin stays:
    # entities/users.py); a write that would take it lower fails like a stale version.
    minimum: int | None = None


def apply(tx: TransactWrite, increments: Iterable[Increment]) -> None:
    """Add each increment to its tally (created on first use), netting those of the same tally."""
    net: dict[tuple[str, str], list[float]] = {}
    minimums: dict[tuple[str, str], int] = {}
    for increment in increments:
        key = (increment.pk, increment.sk)
        total = net.setdefault(key, [0, 0.0])
        total[0] += increment.count
        total[1] += increment.value
        if increment.minimum is not None:
            minimums[key] = max(minimums.get(key, 0), increment.minimum)
    for (pk, sk), (count, value) in net.items():
        if count == 0 and value == 0:
            continue
        actions: list[Action] = [Tally.records.add(int(count)), Tally.value.add(round(value, 6))]
        actions.append(Tally.kind.set(Tally))  # the discriminator: the class it stands for
        minimum = minimums.get((pk, sk)) if count < 0 else None
        condition = Tally.records >= minimum if minimum is not None else None
        tx.update(Tally(pk=pk, sk=sk), actions=actions, condition=condition)


def read(partition: str, prefix: str = "") -> list[Tally]:
    """Every tally of a partition (its groups, not its records: a bounded few pages)."""
    condition = Tally.sk.startswith(prefix) if prefix else None
    return list(Tally.query(partition, range_key_condition=condition, consistent_read=True, page_size=_PAGE))
