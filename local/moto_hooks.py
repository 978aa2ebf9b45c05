"""Adapters that make moto fit the local stack (docs/architecture.md, Local stack), written against one moto version.

- Lambda: moto would run functions in Docker. Instead `LambdaFunction._invoke_lambda` imports the
  module named by the function's `Handler` and calls it with `(event, context)`, answering with real
  Lambda's error payload (`errorType` = the exception's class) when it raises; `invoke` then reports
  such an error as `Unhandled`, as Lambda does. One invocation per function at a time, like one warm
  Lambda instance.
- DynamoDB transactions: moto 5.2.5 deep-copies the whole table (with its stream records) once per
  item of a TransactWriteItems to be able to roll back, and keeps every copy alive; a local stack
  slows down and grows with every contact written. Instead the transaction remembers only the items
  it touches and, when it is cancelled, puts exactly those back and drops the stream records it made.
  Transactions run one at a time, as their all-or-nothing promise needs.
- DynamoDB queries: moto 5.2.5 answers every Query by sorting the whole table and filtering it, so
  each lookup of a small partition costs time in proportion to everything stored, and an import of
  100,000 rows (one phone lookup per row) grows quadratically. Instead a Query of the table reads
  only its partition, as DynamoDB does. A Query of an index reads that index's partition from a
  grouping of the table by the index's hash key, built again after a write that touches index keys
  (a rate-limit counter's update does not) and sorted per partition when first read: paging
  through 100,000 contacts of a 1,000,000-item table no longer filters and sorts the whole table
  for every page (an export's plan took more than its 15 minutes).
- DynamoDB items: moto 5.2.5 checks the 400 KB item limit on every attribute it sets while building
  an item, summing the sizes of all attributes set so far each time: quadratic in the attributes,
  more than half the time of writing a contact. Instead a new item's size is summed once, against
  the same limit.
- DynamoDB reads: moto 5.2.5 serializes a response by walking it against the operation's output
  shape attribute by attribute, a few milliseconds per item: a page of 500 contacts took about two
  seconds. The answers of Query, Scan, GetItem and BatchGetItem are already in DynamoDB's wire form
  (only binary values still need base64), so they are written with `json.dumps`.
- Server routing: moto's server lists its package directory on every request to find the service.
  The list does not change while it runs, so it is read once.
- Step Functions logs: moto's ASL interpreter logs an ERROR line (`Exception=FailureEventException
  ...`) for every state a failure passes through, even when a Catch handles it as designed, and
  warns on every parse that `ToleratedFailurePercentage` has no effect (a known gap,
  docs/architecture.md, Local stack). Those lines are dropped; its other errors and warnings still show.
- Step Functions definitions (`install_step_functions()`, for stacks that execute state machines):
  moto's ASL grammar takes `ToleratedFailurePercentage` only as a number with a fraction (`0.0`) and
  rejects an integer (`0`, `5`), which AWS accepts; the definition moto parses (not the one it
  stores) gets such integers as floats. Separate because importing moto's interpreter takes about
  two seconds (it imports moto's Batch and EC2 models), which tests without jobs need not pay.

`install()` and `install_step_functions()` refuse any other moto version.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any, cast

import moto
import moto.backends as moto_backends
import moto.dynamodb.models as dynamodb_models
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.responses import DynamoResult

MOTO_VERSION = "5.2.5"
FUNCTION_ERROR = "x-amz-function-error"
# Logger -> start of the messages dropped from it (moto/stepfunctions/parser/asl/...).
EXPECTED_NOISE = {
    "moto.stepfunctions.parser.asl.component.eval_component": "Exception=FailureEventException",
    "moto.stepfunctions.parser.asl.parse.preprocessor": "ToleratedFailurePercentage declarations",
}

_original_invoke = LambdaFunction.invoke
_original_transact_write_items = DynamoDBBackend.transact_write_items
_original_query = Table.query
_original_all_items = Table.all_items
_original_list_of_moto_modules = moto_backends.list_of_moto_modules
_original_execute_result = DynamoResult.execute_result
_query_scope = threading.local()  # what `Table.all_items` returns inside the Query in progress
_original_put_item = Table.put_item
_original_delete_item = Table.delete_item
_original_update_item = DynamoDBBackend.update_item
_original_parse: Callable[[str], Any] | None = None
FRACTION_ONLY_FIELDS = ("ToleratedFailurePercentage",)
ITEM_SIZE_LIMIT = 405_000  # moto's own figure for DynamoDB's 400 KB (LimitedSizeDict)
WIRE_FORM_OUTPUTS = frozenset({"Query", "Scan", "GetItem", "BatchGetItem"})
_transactions = threading.Lock()
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, function_arn: str, memory_mb: int = 512, timeout_s: int = 29) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = self.aws_request_id
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(handler: str) -> Callable[[Any, Any], Any]:
    module, _, attribute = handler.rpartition(".")
    function: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), attribute)
    return function


def _lock_for(function_arn: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(function_arn, threading.Lock())


def run_handler(handler: str, event: Any, context: LambdaContext) -> tuple[Any, bool, str]:
    """(result, errored, log): the handler's result, or Lambda's error payload when it raises."""
    with _lock_for(context.invoked_function_arn):
        try:
            return resolve_handler(handler)(event, context), False, ""
        except Exception as error:
            payload = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            return payload, True, traceback.format_exc()


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
    context = LambdaContext(self.function_name, self.function_arn, int(self.memory_size), int(self.timeout))
    result, errored, log = run_handler(self.handler, payload, context)
    return json.dumps(result), errored, log


def _invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
    payload: str | bytes = _original_invoke(self, body, request_headers, response_headers)
    if response_headers.get(FUNCTION_ERROR) == "Handled":
        response_headers[FUNCTION_ERROR] = "Unhandled"
    return payload


class _TablesNotCopied:
    """Stands in for the `copy` module in moto's DynamoDB models: a Table is not copied, the rest is."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


Saved = tuple[Table, DynamoType, DynamoType | None, Any]


def _touched_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[Saved]:
    """(table, hash key, range key, a copy of the item as it is now or None) for every item written."""
    saved: list[Saved] = []
    for entry in transact_items:
        kind, operation = next(iter(entry.items()))
        table = backend.tables.get(operation.get("TableName"))
        key = operation.get("Item") if kind == "Put" else operation.get("Key")
        if table is None or not key or table.hash_key_attr not in key:
            continue  # moto itself reports the malformed request
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        if table.range_key_attr and range_key is None:
            continue
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
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
        _written(table)


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    with _transactions:
        saved = _touched_items(self, transact_items)
        shards = {table.stream_shard: len(table.stream_shard.items) for table, *_ in saved if table.stream_shard}
        try:
            _original_transact_write_items(self, transact_items)
        except Exception:
            _put_back(saved)
            for shard, length in shards.items():
                del shard.items[length:]
            raise


def _all_items(self: Any) -> list[Any]:
    items = cast(dict[Any, dict[Any, Any]], self.items)
    if getattr(_query_scope, "table", None) is not self:
        return _original_all_items(self)
    hash_key, index_name = _query_scope.hash_key, _query_scope.index_name
    if index_name:
        return _index_partition(self, index_name, hash_key)
    partition = items.get(hash_key)  # `get`: the defaultdict must not grow
    return list(partition.values()) if partition else []


def _query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    if not self.range_key_attr:
        return _original_query(self, hash_key, *args, **kwargs)
    _query_scope.index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    _query_scope.table, _query_scope.hash_key = self, hash_key
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        _query_scope.table = None


# Index partitions: the table grouped by an index's hash key, for the table's current generation.
def _written(table: Any) -> None:
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


def _index_partition(table: Any, index_name: str, hash_key: Any) -> list[Any]:
    index = table.get_index(index_name)
    hash_attrs = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    range_attrs = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    if len(hash_attrs) != 1 or hash_key is None:  # a multi-attribute key: every item, as moto has it
        return [item for partition in table.items.values() for item in partition.values()]
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
        order = [*hash_attrs, *range_attrs, table.hash_key_attr, table.range_key_attr]
        group.sort(key=lambda item: tuple(item.attrs[attr] for attr in order))
        in_order.add(hash_key)
    return list(group)


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
            _written(self)


def _delete_item(self: Any, hash_key: Any, range_key: Any = None) -> Any:
    relevant = _indexed(self, _stored(self, hash_key, range_key))
    try:
        return _original_delete_item(self, hash_key, range_key)
    finally:
        if relevant:
            _written(self)


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
            _written(table)


def _item_init(self: Any, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key, self.range_key = hash_key, range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()  # later updates check the limit attribute by attribute, as before
    dict.update(self.attrs, values)


def _base64(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} in a DynamoDB answer")


def _execute_result(self: Any, context: Any) -> Any:
    if context.operation_model.name not in WIRE_FORM_OUTPUTS:
        return _original_execute_result(self, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, default=_base64)


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_original_list_of_moto_modules())


def _as_fractions(value: Any) -> tuple[Any, bool]:
    """(value with FRACTION_ONLY_FIELDS' integers as floats, whether anything changed)."""
    changed = False
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FRACTION_ONLY_FIELDS and isinstance(item, int) and not isinstance(item, bool):
                value[key], changed = float(item), True
            else:
                value[key], inner = _as_fractions(item)
                changed = changed or inner
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index], inner = _as_fractions(item)
            changed = changed or inner
    return value, changed


def _parse(definition: str) -> Any:
    assert _original_parse is not None
    try:
        document, changed = _as_fractions(json.loads(definition))
    except ValueError:
        changed = False  # not JSON: moto reports it
    return _original_parse(json.dumps(document) if changed else definition)


class _ExpectedNoise(logging.Filter):
    """Drops the lines EXPECTED_NOISE names for the logger it is on."""

    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.start)


_noise_filters = {name: _ExpectedNoise(start) for name, start in EXPECTED_NOISE.items()}


def install() -> None:
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"local/moto_hooks.py is written for moto {MOTO_VERSION}, found {moto.__version__}")
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    dynamodb_models.copy = _TablesNotCopied  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.query = _query  # type: ignore[method-assign]
    Table.put_item = _put_item  # type: ignore[method-assign]
    Table.delete_item = _delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
    Table.all_items = _all_items  # type: ignore[method-assign]
    Item.__init__ = _item_init  # type: ignore[method-assign]
    DynamoResult.execute_result = _execute_result  # type: ignore[method-assign]
    moto_backends.list_of_moto_modules = _moto_modules
    for name, noise in _noise_filters.items():
        logging.getLogger(name).addFilter(noise)  # added once: the same filter object


def install_step_functions() -> None:
    """`install()`, and the adapters for executing state machines."""
    global _original_parse
    install()
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if _original_parse is None:
        _original_parse = AmazonStateLanguageParser.parse
        AmazonStateLanguageParser.parse = staticmethod(_parse)  # type: ignore[method-assign]
