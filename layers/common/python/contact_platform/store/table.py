"""The one DynamoDB table: its key schema, its generic indexes and the base of every item type.

Every item has `PK`/`SK`, a `kind` discriminator, optional generic index keys `GSI<n>PK`/`GSI<n>SK`
and the TTL attribute `expiresAt` (epoch seconds). Item types subclass `Item` with their own `kind`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

from pynamodb.attributes import (
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from contact_platform import aws
from contact_platform.config import settings

PARALLEL_GROUP = 250  # items a thread of `put_all` puts at a time: ten BatchWriteItem requests
INDEX_NAMES = ("GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6", "GSI7")
TTL_ATTRIBUTE = "expiresAt"


def _index(name: str) -> type[GlobalSecondaryIndex[Any]]:
    """A generic, overloaded GSI (`<name>PK`/`<name>SK`, all attributes projected)."""

    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attributes = {
        "Meta": meta,
        "pk": UnicodeAttribute(hash_key=True, attr_name=f"{name}PK"),
        "sk": UnicodeAttribute(range_key=True, attr_name=f"{name}SK"),
    }
    return type(f"{name}Index", (GlobalSecondaryIndex,), attributes)


Gsi1, Gsi2, Gsi3, Gsi4, Gsi5, Gsi6, Gsi7 = (_index(name) for name in INDEX_NAMES)


class Item(Model):
    class Meta:
        table_name = settings().table_name
        region = settings().region

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="kind")
    expires_at = NumberAttribute(null=True, attr_name=TTL_ATTRIBUTE)

    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    gsi3pk = UnicodeAttribute(null=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(null=True, attr_name="GSI3SK")
    gsi4pk = UnicodeAttribute(null=True, attr_name="GSI4PK")
    gsi4sk = UnicodeAttribute(null=True, attr_name="GSI4SK")
    gsi5pk = UnicodeAttribute(null=True, attr_name="GSI5PK")
    gsi5sk = UnicodeAttribute(null=True, attr_name="GSI5SK")
    gsi6pk = UnicodeAttribute(null=True, attr_name="GSI6PK")
    gsi6sk = UnicodeAttribute(null=True, attr_name="GSI6SK")
    gsi7pk = UnicodeAttribute(null=True, attr_name="GSI7PK")
    gsi7sk = UnicodeAttribute(null=True, attr_name="GSI7SK")

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    gsi3 = Gsi3()
    gsi4 = Gsi4()
    gsi5 = Gsi5()
    gsi6 = Gsi6()
    gsi7 = Gsi7()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        """One connection for every item type: pynamodb would make one per model class, each with a
        botocore session and client of its own (about 0.15 s on first use). Item types inherit it."""
        if Item._connection is None:
            table = super(Item, Item)._get_connection()
            shared = connection()
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        assert Item._connection is not None
        return Item._connection


ItemType = TypeVar("ItemType", bound=Item)


def get_item(model: type[ItemType], pk: str, sk: str) -> ItemType | None:
    """The item of a key (a consistent read), None when there is none."""
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def put_all(items: Iterable[Item], *, workers: int = 1) -> None:
    """Put items of any types (BatchWriteItem, 25 a request; what is left unprocessed is sent again).
    With `workers`, that many threads send groups of ten requests at once (DynamoDB serves them in
    parallel: a lead migration's thousands of items in a fraction of the sequential time); the first
    failure of any is raised here."""
    listed = list(items)
    groups = [listed[start : start + PARALLEL_GROUP] for start in range(0, len(listed), PARALLEL_GROUP)]
    if workers <= 1 or len(groups) <= 1:
        _put_group(listed)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(_put_group, group) for group in groups]:
            done.result()


def _put_group(items: list[Item]) -> None:
    with Item.batch_write() as batch:
        for item in items:
            batch.save(item)


def delete_all(items: Iterable[Item]) -> int:
    """Delete items of any types (BatchWriteItem, 25 a request); how many."""
    count = 0
    with Item.batch_write() as batch:
        for item in items:
            batch.delete(item)
            count += 1
    return count


def set_or_remove(attribute: Any, value: Any) -> Any:
    """The update action that gives an attribute `value`, or removes it for None."""
    return attribute.remove() if value is None else attribute.set(value)


def string_list(attr_name: str | None = None) -> ListAttribute[str]:
    """A list of strings (typed as such, which `ListAttribute(of=UnicodeAttribute)` is not)."""
    return cast(ListAttribute[str], ListAttribute(of=UnicodeAttribute, default=list, attr_name=attr_name))


def string_map(attr_name: str | None = None) -> MapAttribute[str, Any]:
    """A free-form map of scalars (typed, which the untyped `MapAttribute()` call is not)."""
    return cast(MapAttribute[str, Any], MapAttribute(default=dict, attr_name=attr_name))  # type: ignore[no-untyped-call]


class _SharedConnection(Connection):
    """pynamodb's connection on the process's botocore session (`aws.session()`), not on a session
    per thread and connection."""

    @property
    def session(self) -> Any:
        return aws.session()

    @property
    def client(self) -> Any:
        with aws.CLIENT_LOCK:
            return super().client


_connection: Connection | None = None


def connection() -> Connection:
    """The low-level connection of every item type and transaction (one botocore client per process)."""
    global _connection
    if _connection is None:
        _connection = _SharedConnection(region=settings().region)
    return _connection


def transaction() -> TransactWrite:
    """A TransactWriteItems with its own ClientRequestToken: a retry of the same call (botocore retries
    on timeouts) is then idempotent on DynamoDB instead of failing its own conditions."""
    return TransactWrite(connection=connection(), client_request_token=uuid.uuid4().hex)


def table_definition() -> dict[str, Any]:
    """`CreateTable` arguments for the local stack and tests; infra/data.py builds the same shape."""
    key_attributes = ["PK", "SK"] + [f"{n}{k}" for n in INDEX_NAMES for k in ("PK", "SK")]
    return {
        "TableName": settings().table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in key_attributes],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": f"{name}PK", "KeyType": "HASH"},
                    {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name in INDEX_NAMES
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
