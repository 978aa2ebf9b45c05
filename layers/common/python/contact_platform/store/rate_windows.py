"""Counting a request in a fixed rate-limit window held on one item: the API key's lookup item
(`store/api_keys.py`) and a bearer token subject's window item (`store/token_windows.py`) share this
loop (docs/architecture.md, "A request").

One UpdateItem when the item's window is the current one, `ADD windowHits :count` if the stored
`windowStart` is `window_start`. When it is not, the failed condition returns the item as it is
(`ReturnValuesOnConditionCheckFailure`, no extra read), and then:

- no item: None for a key (no such key; nothing is created), or, where the caller gives `create`
  actions, the item is created with the window started;
- an older window, or none yet: start ours, `SET windowStart, windowHits = :count` if the stored window
  is still older (or absent). If another request started it first, that condition fails and the
  next attempt adds to the window it started;
- a later window (another instance's clock is ahead, or the window turned while this request was
  on its way): count in that window instead.

`windowStart` only ever moves forward, and a window is started (`windowHits = :count`) only while no
request has been counted in it, so concurrent requests are each counted exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.constants import ALL_NEW, ALL_OLD
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from contact_platform.store.errors import StoreError
from contact_platform.store.table import Item

# Attempts: three suffice unless the window changes again meanwhile.
COUNT_ATTEMPTS = 5


class CountContention(StoreError):
    """The item's window kept changing under the count for all its attempts."""


def count_in_window(
    model: type[Item],
    pk: str,
    sk: str,
    window_start: int,
    *,
    create: Sequence[Action] | None = None,
    count: int = 1,
    also: Sequence[Action] = (),
) -> dict[str, Any] | None:
    """Count `count` requests (one, or the numbers an authorizer leases) in the window starting at
    `window_start` (epoch seconds) of the item `pk`/`sk`; its attributes (DynamoDB's format) as they
    are after the count. Without `create`, None when there is no item (none is made); with it, a
    missing item is made with these actions besides the window's start. `also`: actions of every
    count (a key's `lastUsedAt`), in the same request."""
    # pynamodb's errors drop the item ReturnValuesOnConditionCheckFailure returns: the request goes
    # to the botocore client under the table's connection (which first registers the table's schema,
    # so that the key is serialized without a DescribeTable).
    table = model._get_connection()
    windowed: Any = model  # an item type with `window_start` and `window_hits` (NumberAttribute)
    start, hits = windowed.window_start, windowed.window_hits
    exists = model.pk.exists()
    target, starting = window_start, False
    for _ in range(COUNT_ATTEMPTS):
        actions: list[Action]
        condition: Condition
        if starting:
            actions = [start.set(target), hits.set(count), *(create or ()), *also]
            older = start.does_not_exist() | (start < target)
            condition = older if create is not None else exists & older
        else:
            actions = [hits.add(count), *also]
            condition = exists & (start == target)
        request = table.connection.get_operation_kwargs(
            table.table_name,
            pk,
            range_key=sk,
            actions=actions,
            condition=condition,
            return_values=ALL_NEW,
            return_values_on_condition_failure=ALL_OLD,
        )
        try:
            attributes: dict[str, Any] = table.connection.client.update_item(**request)["Attributes"]
            return attributes
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            found = error.response.get("Item")
        if not found:
            if create is None:
                return None
            starting = True
            continue
        seen = found.get(start.attr_name, {}).get("N")
        starting = seen is None or int(seen) < target
        if not starting:
            target = int(seen)  # a window the condition did not expect: count in it
    raise CountContention(pk)
