"""Counting a request in the fixed rate-limit windows held on one item: the API key's lookup item
(`store/api_keys.py`) and a bearer token subject's window item (`store/token_windows.py`) share this
loop (docs/architecture.md, "A request"). Two windows at once: the rate-limit window
(`windowStart`, `windowHits`: `RATE_LIMIT_WINDOW_SECONDS`) and the burst window, one second
(`burstSecond`, `burstHits`).

One UpdateItem when the item's windows are as the caller expects: both current (`ADD windowHits
:count, burstHits :count` if `windowStart` and `burstSecond` are the current ones), or the second a new
one (`ADD windowHits :count SET burstSecond, burstHits = :count` if `windowStart` is the current one and
`burstSecond` older). When the condition fails, it returns the item as it is
(`ReturnValuesOnConditionCheckFailure`, no extra read), and then:

- no item: None for a key (no such key; nothing is created), or, where the caller gives `create`
  actions, the item is created with the windows started;
- an older window, or none yet: start ours (and our second), `SET windowStart, windowHits = :count,
  burstSecond, burstHits = :count` if the stored window is still older (or absent). If another
  request started it first, that condition fails and the next attempt adds to it;
- a later window or second (another instance's clock is ahead, or the window turned while this
  request was on its way): count in that one instead.

`windowStart` and `burstSecond` only ever move forward, and a window or second is started
(`= :count`) only while no request has been counted in it, so concurrent requests are each counted
exactly once in both.
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
# What an attempt expects of the item: an older window (start ours and our second), the current
# window and an older second (start our second), or both current (add to them).
_NEW_WINDOW, _NEW_SECOND, _ADD = "new window", "new second", "add"


class CountContention(StoreError):
    """The item's window kept changing under the count for all its attempts."""


def count_in_window(
    model: type[Item],
    pk: str,
    sk: str,
    window_start: int,
    second: int,
    *,
    same_second: bool = False,
    create: Sequence[Action] | None = None,
    count: int = 1,
    also: Sequence[Action] = (),
) -> dict[str, Any] | None:
    """Count `count` requests (one, or the numbers an authorizer leases) in the window starting at
    `window_start` and in the second `second` (epoch seconds) of the item `pk`/`sk`; its attributes
    (DynamoDB's format) as they are after the count. `same_second`: the item's burst window is
    expected to be this second already (this instance counted in it), else an older one. Without
    `create`, None when there is no item (none is made); with it, a missing item is made with these
    actions besides the windows' start. `also`: actions of every count (a key's `lastUsedAt`), in the
    same request."""
    # pynamodb's errors drop the item ReturnValuesOnConditionCheckFailure returns: the request goes
    # to the botocore client under the table's connection (which first registers the table's schema,
    # so that the key is serialized without a DescribeTable).
    table = model._get_connection()
    windowed: Any = model  # an item type with `window_start`, `window_hits`, `burst_second`, `burst_hits`
    start, hits = windowed.window_start, windowed.window_hits
    burst_at, burst = windowed.burst_second, windowed.burst_hits
    exists = model.pk.exists()
    target, moment = window_start, second
    step = _ADD if same_second else _NEW_SECOND
    for _ in range(COUNT_ATTEMPTS):
        actions: list[Action]
        condition: Condition
        if step == _NEW_WINDOW:
            actions = [
                start.set(target),
                hits.set(count),
                burst_at.set(moment),
                burst.set(count),
                *(create or ()),
                *also,
            ]
            older = start.does_not_exist() | (start < target)
            condition = older if create is not None else exists & older
        elif step == _NEW_SECOND:
            actions = [hits.add(count), burst_at.set(moment), burst.set(count), *also]
            condition = exists & (start == target) & (burst_at.does_not_exist() | (burst_at < moment))
        else:
            actions = [hits.add(count), burst.add(count), *also]
            condition = exists & (start == target) & (burst_at == moment)
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
            step = _NEW_WINDOW
            continue
        seen = found.get(start.attr_name, {}).get("N")
        if seen is None or int(seen) < target:
            step = _NEW_WINDOW
            continue
        target = int(seen)  # the current window, or a later one the condition did not expect: count in it
        seen_second = found.get(burst_at.attr_name, {}).get("N")
        if seen_second is None or int(seen_second) < moment:
            step = _NEW_SECOND
        else:
            moment, step = int(seen_second), _ADD  # likewise for the second
    raise CountContention(pk)
