"""DynamoDB items (moto 5.2.5): moto checks the 400 KB item limit on every attribute it sets while
building an item, summing the sizes of all attributes set so far each time: quadratic in the
attributes, more than half the time of writing a contact. Instead a new item's size is summed once,
against the same limit."""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

ITEM_SIZE_LIMIT = 405_000  # moto's own figure for DynamoDB's 400 KB (LimitedSizeDict)


def _item_init(self: Any, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    self.hash_key, self.range_key = hash_key, range_key
    values = {key: DynamoType(value) for key, value in attrs.items()}
    if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = LimitedSizeDict()  # later updates check the limit attribute by attribute, as before
    dict.update(self.attrs, values)


def install() -> None:
    Item.__init__ = _item_init  # type: ignore[method-assign]
