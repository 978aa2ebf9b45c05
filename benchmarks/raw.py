"""The baseline: bare boto3 calls doing the DynamoDB work of each API operation, on the same table.

Items live under `BENCH#<run>#` partition keys (and their own GSI1 partition), out of every API
partition. Each is shaped like the API's contact item (same attributes and index keys) so item
sizes compare; the derived items, audit entry, authorizer and rate limit are what the API adds.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from benchmarks.api import PAGE_LIMIT, contact_body
from contact_platform.services.search_terms import contact_tokens, email_key, sort_name

CREATED_AT = "2025-01-01T00:00:00.000Z"
LastKey = dict[str, Any]


def _strings(values: list[str]) -> dict[str, Any]:
    return {"L": [{"S": value} for value in values]}


class RawTable:
    def __init__(self, endpoint: str, region: str, table: str, run: str, concurrency: int) -> None:
        config = Config(max_pool_connections=max(10, concurrency))
        self._client: Any = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region, config=config)
        self._table = table
        self._run = run
        self._collection = f"BENCH#{run}#CONTACTS"

    def _key(self, index: int) -> dict[str, Any]:
        return {"PK": {"S": f"BENCH#{self._run}#CONTACT#{index}"}, "SK": {"S": "CONTACT"}}

    def item(self, index: int) -> dict[str, Any]:
        """The `index`th contact of the run, as the API would store it (without its derived items)."""
        body = contact_body(self._run, index)
        contact_id = f"bench{index}"
        created = {"S": f"{CREATED_AT}#{contact_id}"}
        name, emails, phones = body["name"], body["emails"], body["phones"]
        tokens = contact_tokens(first_name=None, last_name=None, name=name, emails=emails, phones=phones)
        return self._key(index) | {
            "kind": {"S": "contact"},
            "tenantId": {"S": "BENCH"},
            "id": {"S": contact_id},
            "name": {"S": name},
            "emails": _strings(emails),
            "phones": _strings(phones),
            "ownerId": {"S": "usr_bench"},
            "tags": _strings([]),
            "customFields": {"M": {}},
            "isActive": {"BOOL": True},
            "createdAt": {"S": CREATED_AT},
            "updatedAt": {"S": CREATED_AT},
            "createdBy": {"S": "usr_bench"},
            "version": {"N": "1"},
            "emailKeys": _strings([email_key(email) for email in emails]),
            "searchTokens": _strings(tokens),
            "tagKeys": _strings([]),
            "lastNameKey": {"S": sort_name(None, name)},
            "GSI1PK": {"S": self._collection},
            "GSI1SK": created,
            "GSI2PK": {"S": self._collection},
            "GSI2SK": created,
            "GSI3PK": {"S": self._collection},
            "GSI3SK": {"S": f"{sort_name(None, name)}#{contact_id}"},
            "GSI4PK": {"S": f"BENCH#{self._run}#OWNER#usr_bench"},
            "GSI4SK": created,
        }

    def transaction_items(self, number: int) -> list[dict[str, Any]]:
        """What the API writes for a create: the contact, its email guard, a search entry per token and
        an audit entry, under keys of their own (the contact stays out of the run's list)."""
        prefix = f"BENCH#{self._run}#TX{number}#"
        contact = self.item(number) | {"PK": {"S": f"{prefix}CONTACT"}, "GSI1PK": {"S": f"BENCH#{self._run}#TX"}}
        guard = {"PK": {"S": f"{prefix}EMAIL"}, "SK": {"S": "GUARD"}, "contactId": contact["id"]}
        tokens = [value["S"] for value in contact["searchTokens"]["L"]]
        entries = [
            {"PK": {"S": f"{prefix}SEARCH#{token[:2]}"}, "SK": {"S": f"{token}#bench{number}"}, "token": {"S": token}}
            for token in tokens
        ]
        audit = {"PK": {"S": f"{prefix}AUDIT"}, "SK": {"S": CREATED_AT}, "action": {"S": "contact.created"}}
        return [contact, guard, *entries, audit]

    def transact(self, number: int) -> None:
        """One TransactWriteItems of `transaction_items`, new items only, as the API's create."""
        new_only = {"ConditionExpression": "attribute_not_exists(PK)"}
        puts = [{"Put": {"TableName": self._table, "Item": item} | new_only} for item in self.transaction_items(number)]
        self._client.transact_write_items(TransactItems=puts)

    def put(self, index: int) -> None:
        self._client.put_item(TableName=self._table, Item=self.item(index))

    def get(self, index: int) -> None:
        self._client.get_item(TableName=self._table, Key=self._key(index), ConsistentRead=True)

    def delete(self, index: int) -> None:
        self._client.delete_item(TableName=self._table, Key=self._key(index))

    def list_page(self, start: LastKey | None) -> tuple[int, LastKey | None]:
        """One GSI1 page of the run's items, as the API's default list reads its index."""
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        answer = self._client.query(
            TableName=self._table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :collection",
            ExpressionAttributeValues={":collection": {"S": self._collection}},
            Limit=PAGE_LIMIT,
            **kwargs,
        )
        return len(answer["Items"]), answer.get("LastEvaluatedKey")

    def item_count(self) -> int:
        """Every item in the table (the emulator counts them live)."""
        count: int = self._client.describe_table(TableName=self._table)["Table"]["ItemCount"]
        return count
