"""DynamoDB queries (moto 5.2.5): moto answers every Query by sorting the whole table and filtering
it, so each lookup of a small partition costs time in proportion to everything stored, and an import
of 100,000 rows (one phone lookup per row) grows quadratically. Instead a Query of the table reads
only its partition, as DynamoDB does. A Query of an index reads that index's partition from a
grouping of the table by the index's hash key, built again after a write that touches index keys
(a rate-limit counter's update does not; `written()` counts such a write) and sorted per partition
when first read: paging through 100,000 contacts of a 1,000,000-item table no longer filters and
sorts the whole table for every page (an export's plan took more than its 15 minutes).

A page that goes on from an ExclusiveStartKey is handed only the items after that key: moto walked
the partition from its first item to the start key, comparing every item on the way, and sorted the
whole partition again for each page, so paging 100,000 items cost a second a page. A page without a
condition on the sort key (whose Limit counts every item it reads) is handed at most `Limit + 1`
items, enough for moto to see that more follow."""

from __future__ import annotations

import bisect
import heapq
import threading
from dataclasses import dataclass
from typing import Any, cast

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_original_query = Table.query
_original_all_items = Table.all_items
_original_put_item = Table.put_item
_original_delete_item = Table.delete_item
_original_update_item = DynamoDBBackend.update_item
_query_scope = threading.local()  # what `Table.all_items` returns inside the Query in progress


@dataclass(frozen=True)
class _Page:
    """What the Query in progress asks for beyond its partition."""

    start: dict[str, Any] | None  # ExclusiveStartKey (wire form)
    forward: bool
    limit: int | None  # None: every item after the start (a sort key condition or a legacy filter)


def _in_query(table: Any) -> bool:
    """Whether this thread is inside a Query of `table` (`_query`)."""
    return getattr(_query_scope, "table", None) is table


def _all_items(self: Any) -> list[Any]:
    items = cast(dict[Any, dict[Any, Any]], self.items)
    if not _in_query(self):
        return _original_all_items(self)
    hash_key, index_name, page = _query_scope.hash_key, _query_scope.index_name, _query_scope.page
    if index_name:
        group, order = _index_partition(self, index_name, hash_key)
        return group if order is None else _index_page(group, order, page)
    partition = items.get(hash_key)  # `get`: the defaultdict must not grow
    return _table_page(list(partition.values()) if partition else [], self.range_key_attr, page)


def _index_page(group: list[Any], order: list[str], page: _Page) -> list[Any]:
    """The items of an index partition (sorted by the attributes `order`) that the page can read:
    those after its start key in its direction, at most `limit + 1` of them."""
    start, stop = 0, len(group)
    if page.start is not None:
        if any(attr not in page.start for attr in order):
            return group  # not a key of this index: moto walks the partition as before
        at = tuple(DynamoType(page.start[attr]) for attr in order)
        key = lambda item: tuple(item.attrs[attr] for attr in order)  # noqa: E731
        if page.forward:
            start = bisect.bisect_right(group, at, key=key)
        else:
            stop = bisect.bisect_left(group, at, key=key)
    if page.limit is not None:
        if page.forward:
            stop = min(stop, start + page.limit + 1)
        else:
            start = max(start, stop - page.limit - 1)
    return group[start:stop]


def _table_page(partition: list[Any], range_attr: str, page: _Page) -> list[Any]:
    """The same for a partition of the table (moto keeps it in the order written; it sorts them)."""
    found = partition
    if page.start is not None and range_attr in page.start:
        at = DynamoType(page.start[range_attr])
        found = [item for item in found if (item.range_key > at if page.forward else item.range_key < at)]
    if page.limit is None or len(found) <= page.limit + 1:
        return found
    pick = heapq.nsmallest if page.forward else heapq.nlargest
    return pick(page.limit + 1, found, key=lambda item: item.range_key)


_QUERY_ARGS = ("range_comparison", "range_objs", "limit", "exclusive_start_key", "scan_index_forward")
_QUIET_KWARGS = {"hash_key_conditions", "range_key_conditions", "index_name", "consistent_read", "filter_expression"}


def _query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    if not self.range_key_attr:
        return _original_query(self, hash_key, *args, **kwargs)
    given = dict(zip(_QUERY_ARGS, args, strict=False)) | {k: v for k, v in kwargs.items() if k in _QUERY_ARGS}
    legacy_filter = any(name not in _QUIET_KWARGS and name not in _QUERY_ARGS for name in kwargs)
    ranged = given.get("range_comparison") or kwargs.get("range_key_conditions") or legacy_filter
    limit = given.get("limit")
    _query_scope.page = _Page(
        given.get("exclusive_start_key") or None,
        given.get("scan_index_forward") is not False,
        None if ranged or not limit else int(limit),
    )
    _query_scope.index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    _query_scope.table, _query_scope.hash_key = self, hash_key
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        _query_scope.table = None


# Index partitions: the table grouped by an index's hash key, for the table's current generation.
def written(table: Any) -> None:
    """Count a write that changed what an index holds (after it is made): groupings are built again."""
    table.__dict__["_cdp_generation"] = table.__dict__.get("_cdp_generation", 0) + 1


def _indexed(table: Any, item: Any) -> bool:
    """Whether an item (moto's, or the attributes of a put) has any index key attribute."""
    if item is None:
        return False
    names = table.__dict__.get("_cdp_index_keys")
    if names is None:  # indexes are fixed once the table exists (no UpdateTable here)
        names = table.__dict__["_cdp_index_keys"] = frozenset(
            key["AttributeName"] for index in table.all_indexes() for key in index.schema
        )
    attrs = item.attrs if isinstance(item, Item) else item
    return any(name in attrs for name in names)


def _stored(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item with that key, or None (without growing moto's defaultdict)."""
    partition = table.items.get(hash_key)
    if not table.range_key_attr:  # then moto keeps the item itself under its hash key
        return partition
    return partition.get(range_key) if partition else None


def _index_partition(table: Any, index_name: str, hash_key: Any) -> tuple[list[Any], list[str] | None]:
    """The index's partition in the Query's order, and the attributes of that order (None: unsorted)."""
    index = table.get_index(index_name)
    hash_attrs = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    range_attrs = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    order = [*hash_attrs, *range_attrs, table.hash_key_attr, table.range_key_attr]
    if len(hash_attrs) != 1 or hash_key is None:  # a multi-attribute key: every item, as moto has it
        return [item for partition in table.items.values() for item in partition.values()], None
    generation = table.__dict__.get("_cdp_generation", 0)
    groupings = table.__dict__.setdefault("_cdp_index_groupings", {})
    found = groupings.get(index_name)
    if found is None or found[0] != generation:
        groups: dict[Any, list[Any]] = {}
        for partition in list(table.items.values()):
            for item in list(partition.values()):
                value = item.attrs.get(hash_attrs[0])
                if value is not None and all(attr in item.attrs for attr in range_attrs):
                    groups.setdefault(value, []).append(item)
        found = groupings[index_name] = (generation, groups, set())
    _, groups, in_order = found
    group = groups.get(hash_key, [])
    if hash_key not in in_order:  # sorted once, as the Query sorts: nearly free for it afterwards
        group.sort(key=lambda item: tuple(item.attrs[attr] for attr in order))
        in_order.add(hash_key)
    return group, order


def _put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    try:
        hash_key = DynamoType(item_attrs[self.hash_key_attr])
        range_key = DynamoType(item_attrs[self.range_key_attr]) if self.range_key_attr else None
    except KeyError:  # moto reports the missing key
        return _original_put_item(self, item_attrs, *args, **kwargs)
    relevant = _indexed(self, item_attrs) or _indexed(self, _stored(self, hash_key, range_key))
    try:
        return _original_put_item(self, item_attrs, *args, **kwargs)
    finally:
        if relevant:
            written(self)


def _delete_item(self: Any, hash_key: Any, range_key: Any = None) -> Any:
    relevant = _indexed(self, _stored(self, hash_key, range_key))
    try:
        return _original_delete_item(self, hash_key, range_key)
    finally:
        if relevant:
            written(self)


def _update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """moto changes an existing item in place: a write to note if the item had or has index keys."""
    table = self.tables.get(table_name)
    before = None
    if table is not None and table.hash_key_attr in key:
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        before = _stored(table, DynamoType(key[table.hash_key_attr]), range_key)
    had = table is not None and _indexed(table, before)
    after = None
    try:
        after = _original_update_item(self, table_name, key, *args, **kwargs)
        return after
    finally:
        if table is not None and (had or _indexed(table, after)):
            written(table)


def install() -> None:
    Table.query = _query  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    Table.put_item = _put_item  # type: ignore[method-assign]
    Table.delete_item = _delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
