"""tests/support/fixtures.table_items reads the table as this process's emulator holds it instead of
scanning it through botocore; it must give exactly what a Scan answers, or every "nothing was
written" assertion built on it would compare the wrong things."""

from __future__ import annotations

import os
from typing import Any

import boto3

from tests.support.fixtures import Api, scanned_items, table_items


def test_table_items_are_what_a_scan_answers(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    for number in range(3):
        api.create_contact(key, name=f"Scanned {number}", emails=[f"s{number}@example.com"], tags=["a", "b"])
    assert api.post("/api/v1/webhooks", key=key, json={"event": "deal.won", "targetUrl": "http://127.0.0.1:9/h"})
    api.post("/api/v1/contacts", key=key, json={"name": "Once"}, headers={"Idempotency-Key": "scan-1"})
    typed = {
        "PK": {"S": "SCAN#types"},
        "SK": {"S": "1"},
        "binary": {"B": b"\x00\xffbytes"},
        "number": {"N": "12.5"},
        "numbers": {"NS": ["1", "2"]},
        "strings": {"SS": ["x", "y"]},
        "nothing": {"NULL": True},
        "nested": {"M": {"list": {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": False}]}}},
    }
    boto3.client("dynamodb").put_item(TableName=os.environ["TABLE_NAME"], Item=typed)
    read, scanned = table_items(), scanned_items()
    assert len(read) > 20
    assert read == scanned
    assert [item for item in read if item["PK"]["S"] == "SCAN#types"] == [typed]
