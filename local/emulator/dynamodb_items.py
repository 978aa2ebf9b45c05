"""DynamoDB items (moto 5.2.5), two costs of every write and read:

- Size: moto checks the 400 KB item limit on every attribute it sets while building an item, summing
  the sizes of all attributes set so far each time (quadratic in the attributes). Instead a new
  item's size is checked once: an item whose JSON is within the limit is within it (DynamoDB's size
  of a value is never more than its JSON's length: UTF-8 against escaped text, numbers without
  their quotes, a boolean counted as one byte), and any other is summed as moto sums it.
- JSON: `Item.to_json` (a read's answer, a stream record's image) deep-copies every map and list
  once per level of nesting below it. Instead the same JSON is built in one walk: new maps and
  lists, the values in them (strings, bytes, booleans) shared, as they cannot change.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

ITEM_SIZE_LIMIT = 405_000  # moto's own figure for DynamoDB's 400 KB (LimitedSizeDict)
_SHARED = (str, bytes, bool)  # values a copy may share: they never change in place
_original_to_json = Item.to_json  # moto's own, which the tests compare with


def _within_limit(attrs: dict[str, Any]) -> bool:
    """True when the item's JSON proves it small enough; False when it must be measured (too long,
    or values JSON cannot hold, such as binary ones or DynamoType)."""
    try:
        return len(json.dumps(attrs)) <= ITEM_SIZE_LIMIT
    except (TypeError, ValueError):
        return False


def _item_init(self: Any, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key, self.range_key = hash_key, range_key
    small = _within_limit(attrs)
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if not small and sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()  # later updates check the limit attribute by attribute, as before
    dict.update(self.attrs, values)


def _plain(value: Any) -> Any:
    """A value inside a map or list as `DynamoType.to_regular_json` gives it (a copy)."""
    if isinstance(value, DynamoType):
        return _regular(value)
    return value if isinstance(value, _SHARED) else copy.deepcopy(value)


def _regular(value: DynamoType) -> dict[str, Any]:
    """`value.to_regular_json()` without its deep copies."""
    inner = value.value
    if isinstance(inner, dict):
        return {value.type: {key: _plain(nested) for key, nested in inner.items()}}
    if isinstance(inner, list):
        return {value.type: [_plain(nested) for nested in inner]}
    if value.is_binary() and isinstance(inner, str):
        return {value.type: base64.b64decode(inner)}
    return {value.type: inner if isinstance(inner, _SHARED) else copy.deepcopy(inner)}


def _to_json(self: Item, root_attr_name: str = "Attributes") -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, attribute in self.attrs.items():
        inner = attribute.value
        if isinstance(inner, dict):
            attributes[key] = {attribute.type: {name: _regular(nested) for name, nested in inner.items()}}
        elif isinstance(inner, list):
            attributes[key] = {attribute.type: [_plain(nested) for nested in inner]}
        else:
            attributes[key] = {attribute.type: inner}
    return {root_attr_name: attributes}


def install() -> None:
    Item.__init__ = _item_init  # type: ignore[method-assign]
    Item.to_json = _to_json  # type: ignore[method-assign]
