"""Reading items in DynamoDB's wire form, for the bulk readers that skip pynamodb's model instances
(store/contact_reads.py, `records.index_facts`): building a model instance per item was most of a
plan's time (docs/architecture.md, "10 million rows on AWS"). Only the attributes a reader names are
asked for (a `ProjectionExpression`) and turned into plain values.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from contact_platform.config import settings
from contact_platform.store.paging import LastKey
from contact_platform.store.table import connection

BATCH_KEYS = 100  # BatchGetItem's most keys a request
UNPROCESSED_PAUSE = 0.05  # seconds before unprocessed keys are asked again, doubled each time


def plain(raw: dict[str, Any]) -> Any:
    """A plain value from DynamoDB's typed form, as pynamodb's untyped attributes read it: numbers
    as JSON reads them (int or float), maps as dicts, lists as lists, sets as sets."""
    kind, value = next(iter(raw.items()))
    if kind in ("S", "B"):
        return value
    if kind == "N":
        return json.loads(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "M":
        return {name: plain(item) for name, item in value.items()}
    if kind == "L":
        return [plain(item) for item in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {json.loads(number) for number in value}
    return None  # NULL


def projection(names: Iterable[str]) -> tuple[str, dict[str, str], dict[str, str]]:
    """A ProjectionExpression of attribute names through placeholders (some are reserved words): the
    expression, placeholder -> name, and name -> placeholder (for the key condition)."""
    unique = list(dict.fromkeys(names))
    placeholders = {f"#a{number}": name for number, name in enumerate(unique)}
    return ", ".join(placeholders), placeholders, {name: holder for holder, name in placeholders.items()}


def query(request: dict[str, Any], start: LastKey | None) -> dict[str, Any]:
    """One Query of the table with the plain client, from `start` (an ExclusiveStartKey) if given."""
    if start:
        request = {**request, "ExclusiveStartKey": start}
    answer: dict[str, Any] = connection().client.query(TableName=settings().table_name, **request)
    return answer


def batch_get(item_keys: Iterable[tuple[str, str]], attributes: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The items of those keys (PK, SK) that exist, read consistently with BatchGetItem (100 keys a
    request, unprocessed keys asked again after a pause), projected to `attributes` (stored names)."""
    expression, names, _ = projection(attributes)
    wanted = list(dict.fromkeys(item_keys))
    table, client = settings().table_name, connection().client
    for offset in range(0, len(wanted), BATCH_KEYS):
        request: dict[str, Any] = {
            table: {
                "Keys": [{"PK": {"S": pk}, "SK": {"S": sk}} for pk, sk in wanted[offset : offset + BATCH_KEYS]],
                "ProjectionExpression": expression,
                "ExpressionAttributeNames": names,
                "ConsistentRead": True,
            }
        }
        pause = UNPROCESSED_PAUSE
        while True:
            answer = client.batch_get_item(RequestItems=request)
            yield from answer.get("Responses", {}).get(table, [])
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(pause)
            pause *= 2
