"""DynamoDB transactions (moto 5.2.5): moto deep-copies the whole table (with its stream records)
once per item of a TransactWriteItems to be able to roll back, and keeps every copy alive; a local
stack slows down and grows with every contact written. Instead the transaction remembers only the
items it writes (a copy of those it updates) and, when it is cancelled, puts exactly those back and
drops the stream records it made. Transactions run one at a time, as their all-or-nothing promise needs."""

from __future__ import annotations

import copy
import threading
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from local.emulator.dynamodb_queries import written
from local.emulator.dynamodb_streams import end, trimming_deferred, truncate

_original_transact_write_items = DynamoDBBackend.transact_write_items
_transactions = threading.Lock()


class _TablesNotCopied:
    """Stands in for the `copy` module in moto's DynamoDB models: a Table is not copied, the rest is."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


Saved = tuple[Table, DynamoType, DynamoType | None, Any]


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[Saved]:
    """(table, hash key, range key, the item as it is now or None) for every item written. Only an
    update changes an item in place, so only an updated item is copied: a put stores a new item and a
    delete takes the item out, which leaves the one saved here as it was."""
    saved: list[Saved] = []
    for entry in transact_items:
        kind, operation = next(iter(entry.items()))
        if kind == "ConditionCheck":
            continue  # writes nothing
        table = backend.tables.get(operation.get("TableName"))
        key = operation.get("Item") if kind == "Put" else operation.get("Key")
        if table is None or not key or table.hash_key_attr not in key:
            continue  # moto itself reports the malformed request
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        if table.range_key_attr and range_key is None:
            continue
        current = table.get_item(hash_key, range_key)
        saved.append((table, hash_key, range_key, copy.deepcopy(current) if kind == "Update" else current))
    return saved


def _put_back(saved: list[Saved]) -> None:
    for table, hash_key, range_key, previous in reversed(saved):
        if range_key is None:
            if previous is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = previous
        elif previous is None:
            table.items[hash_key].pop(range_key, None)
        else:
            table.items[hash_key][range_key] = previous
        written(table)


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    with _transactions:
        saved = _touched_items(self, transact_items)
        shards = {table.stream_shard: end(table.stream_shard) for table, *_ in saved if table.stream_shard}
        try:
            with trimming_deferred():
                _original_transact_write_items(self, transact_items)
        except Exception:
            _put_back(saved)
            for shard, at in shards.items():
                truncate(shard, at)
            raise


def install() -> None:
    dynamodb_models.copy = _TablesNotCopied  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
