"""DynamoDB projections (moto 5.2.5): moto projects an item by converting the whole item to plain
JSON (deep copies included) once per attribute named in the ProjectionExpression, and a Query deep
copies every full item it answers before projecting it: a Query for six attributes of 1,000 contacts
(a job plan's, docs/architecture.md, "10 million rows on AWS") took about five times as long as one
for the whole items. Instead, when every projected path is a top-level attribute (no `a.b`, no
`a[0]`), an item is projected by taking just those attributes (their values shared with the stored
item while the answer is written), and a Query so projected copies nothing."""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

_original_project = Item.project
_original_query = Table.query
_skip_copy = threading.local()  # set while a projected Query runs: its full items are not copied


def _top_level(projection_expressions: list[list[str]] | None) -> list[str] | None:
    """The attribute names, when every path is one top-level name; else None."""
    if not projection_expressions:
        return None
    names = []
    for path in projection_expressions:
        if len(path) != 1 or "[" in path[0]:
            return None
        names.append(path[0])
    return names


def _projected(item: Item, names: list[str]) -> Item:
    """A new item of `item`'s keys and its attributes of `names`, the values shared with the stored
    item: the answer is written from it (`Item.to_json`, dynamodb_items.py, which builds new maps and
    lists) within the same request, under the DynamoDB lock (dynamodb_serial.py), so no write changes
    them meanwhile, and nothing keeps it after. Made without moto's model constructor, which keeps
    every model instance ever made in a list (for its reset): an answer's items need not live on."""
    projected: Item = object.__new__(Item)
    projected.hash_key, projected.range_key = item.hash_key, item.range_key
    projected.attrs = type(item.attrs)()
    dict.update(projected.attrs, {name: item.attrs[name] for name in names if name in item.attrs})
    return projected


def _project(self: Item, projection_expressions: list[list[str]]) -> Item:
    names = _top_level(projection_expressions)
    if names is None:
        return _original_project(self, projection_expressions)
    return _projected(self, names)


class _Copying:
    """moto's table module's `copy`: Query's deep copy of its full items is skipped while a projected
    Query runs in this thread (its items are projected into copies afterwards)."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if getattr(_skip_copy, "active", False):
            return list(value)
        return copy.deepcopy(value, memo)


def _query(self: Any, *args: Any, **kwargs: Any) -> Any:
    positional = len(args) > 6
    projections = args[6] if positional else kwargs.get("projection_expressions")
    names = _top_level(projections)
    if names is None:
        return _original_query(self, *args, **kwargs)
    if positional:
        args = (*args[:6], None, *args[7:])
    else:
        kwargs["projection_expressions"] = None
    _skip_copy.active = True
    try:
        results, scanned, last_key = _original_query(self, *args, **kwargs)
    finally:
        _skip_copy.active = False
    return [_projected(item, names) for item in results], scanned, last_key


def install() -> None:
    global _original_query
    if Table.query is not _query:
        _original_query = Table.query  # another adapter's (dynamodb_queries), wrapped
        Table.query = _query  # type: ignore[method-assign]
    Item.project = _project  # type: ignore[method-assign]
    setattr(table_module, "copy", _Copying)  # noqa: B010 (mypy: the module does not export `copy`)
