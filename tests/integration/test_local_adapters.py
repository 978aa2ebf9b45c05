"""The local stack's adapters: moto's Lambda running project handlers in-process, the gateway's events."""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import botocore.exceptions
import moto
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core import config as moto_config
from moto.core import parse as moto_parse
from moto.core import responses as moto_responses
from moto.core.utils import method_names_from_class
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from local import COLLECTOR_THRESHOLDS, emulator
from local.emulator import dynamodb_expressions, dynamodb_items, dynamodb_parse, dynamodb_projection, dynamodb_queries
from local.gateway import Gateway
from tests.support.lambdas import register_function


@pytest.fixture
def lambdas(aws: None) -> Iterator[object]:
    emulator.install()
    register_function("echo", "tests.support.sample_handlers.echo")
    yield register_function("fail", "tests.support.sample_handlers.fail")


def test_hook_runs_the_handler_named_by_the_function(lambdas: object) -> None:
    answer = lambdas.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}).encode())  # type: ignore[attr-defined]
    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["event"] == {"a": 1} and result["function"] == "echo"
    assert 0 < result["remainingMs"] <= 3000


def test_a_raising_handler_is_an_unhandled_function_error(lambdas: object) -> None:
    answer = lambdas.invoke(FunctionName="fail", Payload=b"{}")  # type: ignore[attr-defined]
    assert answer["FunctionError"] == "Unhandled"
    payload = json.loads(answer["Payload"].read())
    assert payload["errorType"] == "Broken" and payload["errorMessage"] == "it broke"
    assert payload["stackTrace"]


def test_hook_refuses_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "0.0.1")
    with pytest.raises(RuntimeError, match=r"local/emulator/ is written for moto 5\.2\.5"):
        emulator.install()


def test_gateway_builds_rest_api_proxy_events() -> None:
    event = Gateway.request_event(
        "POST",
        "/api/v1/contacts/con%201?tag=a&tag=b&limit=5",
        [("Content-Type", "application/json"), ("X-Multi", "1"), ("X-Multi", "2")],
        '{"name": "ä"}'.encode(),
        "198.51.100.7",
    )
    assert event["path"] == "/api/v1/contacts/con 1"
    assert event["queryStringParameters"] == {"tag": "b", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "limit": ["5"]}
    assert event["headers"]["X-Multi"] == "2" and event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["body"] == '{"name": "ä"}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"
    binary = Gateway.request_event("POST", "/x", [], b"\xff\x00", "::1")
    assert binary["isBase64Encoded"] is True and binary["body"] == "/wA="


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(aws: None) -> None:
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    client.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "1"}, "v": {"N": "1"}})
    client.put_item(TableName=table, Item={"PK": {"S": "B"}, "SK": {"S": "1"}, "v": {"N": "1"}})
    client.put_item(TableName=table, Item={"PK": {"S": "D"}, "SK": {"S": "1"}, "m": {"M": {"x": {"L": []}}}})
    before = client.scan(TableName=table)["Items"]
    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].tables
    emulated = tables[table]
    shard = emulated.stream_shard
    copies = len(Table.instances_tracked)

    def records() -> int:
        return len(shard.items)

    recorded = records()
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"PK": {"S": "A"}, "SK": {"S": "1"}, "v": {"N": "2"}}}},
                {"Delete": {"TableName": table, "Key": {"PK": {"S": "B"}, "SK": {"S": "1"}}}},
                {"Put": {"TableName": table, "Item": {"PK": {"S": "C"}, "SK": {"S": "1"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"PK": {"S": "D"}, "SK": {"S": "1"}},
                        "UpdateExpression": "SET m.x = list_append(m.x, :one), m.y = :one",
                        "ExpressionAttributeValues": {":one": {"L": [{"N": "1"}]}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"PK": {"S": "E"}, "SK": {"S": "1"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"PK": {"S": "B"}, "SK": {"S": "2"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    assert client.scan(TableName=table)["Items"] == before
    assert records() == recorded
    assert tables[table] is emulated and len(Table.instances_tracked) == copies, "no copy of the table"
    client.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": {"PK": {"S": "C"}, "SK": {"S": "1"}}}}]
    )
    assert len(client.scan(TableName=table)["Items"]) == 4
    assert records() == recorded + 1


def test_state_machines_may_give_tolerated_failure_percentage_as_an_integer(aws: None) -> None:
    """AWS accepts `"ToleratedFailurePercentage": 0`; moto 5.2.5's grammar wants `0.0` unless adapted."""
    emulator.install_step_functions()
    document = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ToleratedFailurePercentage": 5,
                "ItemProcessor": {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    definition = json.dumps(document)
    states = boto3.client("stepfunctions")
    with mock.patch.dict(moto_config.default_user_config, {"stepfunctions": {"execute_state_machine": True}}):
        created = states.create_state_machine(
            name="m", definition=definition, roleArn="arn:aws:iam::123456789012:role/r"
        )
        stored = states.describe_state_machine(stateMachineArn=created["stateMachineArn"])["definition"]
    assert stored == definition, "moto keeps the definition as given"


def test_expected_step_functions_noise_is_dropped_and_other_errors_are_kept(caplog: pytest.LogCaptureFixture) -> None:
    emulator.install()
    interpreter = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
    with caplog.at_level(logging.INFO, logger="moto.stepfunctions"):
        interpreter.error("%s at '%s'", "Exception=FailureEventException, Error=JobRefused", "Task")
        interpreter.error("%s at '%s'", "Exception=KeyError, Details=['x']", "Task")
        logging.getLogger("moto.stepfunctions.parser.asl.parse.preprocessor").warning(
            "ToleratedFailurePercentage declarations currently have no effect on the program evaluation."
        )
    assert [record.getMessage() for record in caplog.records] == ["Exception=KeyError, Details=['x'] at 'Task'"]


def test_queries_read_their_partition_or_index_in_key_order(aws: None) -> None:
    """A Query of the table reads only its partition; one of an index filters without sorting the
    table first. Answers and pages are as before: ordered by key, in both directions."""
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    for partition in ("A", "B"):
        for number in (3, 1, 2):
            index_keys = {"GSI1PK": {"S": f"I{partition}"}, "GSI1SK": {"S": str(9 - number)}}
            item = {"PK": {"S": partition}, "SK": {"S": str(number)}, **index_keys}
            client.put_item(TableName=table, Item=item)

    def walk(**query: object) -> list[tuple[str, str]]:
        found, start = [], None
        while True:
            page = client.query(TableName=table, Limit=2, **query, **({"ExclusiveStartKey": start} if start else {}))
            found += [(item["PK"]["S"], item["SK"]["S"]) for item in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    whole_table = mock.patch.object(dynamodb_queries, "_original_all_items", side_effect=AssertionError("table sorted"))
    with whole_table:
        assert walk(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "B"}}) == [
            ("B", "1"),
            ("B", "2"),
            ("B", "3"),
        ]
        backwards = walk(
            KeyConditionExpression="PK = :p AND SK > :s",
            ExpressionAttributeValues={":p": {"S": "A"}, ":s": {"S": "1"}},
            ScanIndexForward=False,
        )
        assert backwards == [("A", "3"), ("A", "2")]
        assert walk(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "C"}}) == []
        by_index = walk(
            IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", ExpressionAttributeValues={":p": {"S": "IA"}}
        )
        assert by_index == [("A", "3"), ("A", "2"), ("A", "1")]
    assert "C" not in [key.value for key in dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].tables[table].items]
    assert len(client.scan(TableName=table)["Items"]) == 6, "a scan still sees every item"


PAGED_QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P"}}, "ScanIndexForward": False},
    {
        "KeyConditionExpression": "PK = :p AND SK > :s",
        "ExpressionAttributeValues": {":p": {"S": "P"}, ":s": {"S": "05"}},
    },
    {
        "KeyConditionExpression": "PK = :p AND SK BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "P"}, ":a": {"S": "03"}, ":b": {"S": "17"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
        "ExpressionAttributeValues": {":p": {"S": "P"}, ":s": {"S": "1"}},
    },
    {
        "KeyConditionExpression": "PK = :p",
        "FilterExpression": "n > :five",
        "ExpressionAttributeValues": {":p": {"S": "P"}, ":five": {"N": "5"}},
    },
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p", "ExpressionAttributeValues": {":p": {"S": "I"}}},
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p",
        "ExpressionAttributeValues": {":p": {"S": "I"}},
        "ScanIndexForward": False,
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p AND GSI1SK >= :s",
        "ExpressionAttributeValues": {":p": {"S": "I"}, ":s": {"S": "2"}},
    },
]


def test_pages_after_a_start_key_are_the_pages_moto_walks(aws: None) -> None:
    """A page that goes on from an ExclusiveStartKey is cut from the partition at that key (and to
    Limit + 1 items without a sort key condition) instead of walked from the first item: every walk
    of the table and of an index (whose sort keys repeat, ordered then by the table's key), both
    ways, with key conditions and a filter, gives the pages and keys moto's own Query gives."""
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    for number in (7, 3, 22, 0, 15, 9, 1, 18, 4, 12, 20, 6, 2, 11, 17, 5, 21, 8, 14, 10, 19, 13, 16):  # any order
        index_keys = {"GSI1PK": {"S": "I"}, "GSI1SK": {"S": str(number % 4)}}
        client.put_item(
            TableName=table,
            Item={"PK": {"S": "P"}, "SK": {"S": f"{number:02d}"}, "n": {"N": str(number)}, **index_keys},
        )

    def walk(limit: int, query: dict[str, Any]) -> list[tuple[list[str], Any]]:
        pages, start = [], None
        while True:
            page = client.query(
                TableName=table, Limit=limit, **query, **({"ExclusiveStartKey": start} if start else {})
            )
            start = page.get("LastEvaluatedKey")
            pages.append(([item["SK"]["S"] for item in page["Items"]], start))
            if not start:
                return pages

    for limit in (1, 3, 7, 22, 50):
        for query in PAGED_QUERIES:
            cut = walk(limit, query)
            with mock.patch.object(Table, "query", dynamodb_queries._original_query):
                walked = walk(limit, query)
            assert cut == walked, (limit, query)
    everything = walk(50, PAGED_QUERIES[0])
    assert everything == [([f"{number:02d}" for number in range(23)], None)]


def test_an_index_query_sees_every_kind_of_write_at_once(aws: None) -> None:
    """Index partitions are grouped once per state of the table: put, update in place, delete and a
    cancelled transaction each show in the next index query."""
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]

    def in_index(partition: str) -> list[str]:
        page = client.query(
            TableName=table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p",
            ExpressionAttributeValues={":p": {"S": partition}},
        )
        return [item["PK"]["S"] for item in page["Items"]]

    for name in ("a", "b"):
        client.put_item(
            TableName=table, Item={"PK": {"S": name}, "SK": {"S": "1"}, "GSI1PK": {"S": "X"}, "GSI1SK": {"S": name}}
        )
    assert in_index("X") == ["a", "b"]
    client.update_item(
        TableName=table,
        Key={"PK": {"S": "a"}, "SK": {"S": "1"}},
        UpdateExpression="SET GSI1PK = :y",
        ExpressionAttributeValues={":y": {"S": "Y"}},
    )
    assert in_index("X") == ["b"] and in_index("Y") == ["a"]
    client.delete_item(TableName=table, Key={"PK": {"S": "b"}, "SK": {"S": "1"}})
    assert in_index("X") == []
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": table, "Key": {"PK": {"S": "a"}, "SK": {"S": "1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"PK": {"S": "none"}, "SK": {"S": "1"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )
    assert in_index("Y") == ["a"], "the cancelled delete is undone in the index too"


def test_projections_of_top_level_attributes_copy_only_those(aws: None) -> None:
    """Query, GetItem and BatchGetItem projected on top-level attributes answer what moto's own
    projection answers, without copying whole items (nested paths still go through moto's); what
    they answer is a copy: the stored items stay as they were."""
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    stored = []
    for number in (1, 2, 3):
        item = {
            "PK": {"S": "P"},
            "SK": {"S": str(number)},
            "GSI1PK": {"S": "IP"},
            "GSI1SK": {"S": str(number)},
            "name": {"S": f"n{number}"},
            "tags": {"L": [{"S": "a"}, {"S": str(number)}]},
            "m": {"M": {"k": {"S": "v"}, "o": {"N": "1"}}},
        }
        if number != 2:
            item["flag"] = {"BOOL": True}
        client.put_item(TableName=table, Item=item)
        stored.append(item)
    names = {"#n": "name", "#t": "tags", "#f": "flag"}
    wanted = ("PK", "SK", "name", "tags", "flag")
    expected = [{key: value for key, value in item.items() if key in wanted} for item in stored]

    def walk(**query: Any) -> list[dict[str, Any]]:
        found, start = [], None
        while True:
            page = client.query(TableName=table, Limit=2, **query, **({"ExclusiveStartKey": start} if start else {}))
            found += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    moto_projection = mock.patch.object(dynamodb_projection, "_original_project", side_effect=AssertionError("moto's"))
    whole_copies = mock.patch.object(Item, "__deepcopy__", side_effect=AssertionError("a whole item copied"))
    with moto_projection, whole_copies:
        projected = {"ProjectionExpression": "PK, SK, #n, #t, #f", "ExpressionAttributeNames": names}
        assert walk(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "P"}}, **projected) == (
            expected
        )
        by_index = walk(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p",
            ExpressionAttributeValues={":p": {"S": "IP"}},
            **projected,
        )
        assert by_index == expected
        key = {"PK": {"S": "P"}, "SK": {"S": "3"}}
        assert client.get_item(TableName=table, Key=key, **projected)["Item"] == expected[2]
        keys = [{"PK": {"S": "P"}, "SK": {"S": str(number)}} for number in (1, 2)]
        batch = client.batch_get_item(RequestItems={table: {"Keys": keys, **projected}})["Responses"][table]
        assert sorted(batch, key=lambda item: item["SK"]["S"]) == expected[:2]
    nested = client.get_item(TableName=table, Key=key, ProjectionExpression="m.k, tags[1]")
    assert nested["Item"] == {"m": {"M": {"k": {"S": "v"}}}, "tags": {"L": [{"S": "3"}]}}
    whole = walk(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", ExpressionAttributeValues={":p": {"S": "IP"}})
    assert whole == stored and client.scan(TableName=table)["Items"] == stored, "the stored items as written"


def test_items_over_400_kb_are_refused_whole(aws: None) -> None:
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    parts = {f"a{number}": {"S": "x" * 100_000} for number in range(4)}
    client.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "1"}, **parts})
    with pytest.raises(client.exceptions.ClientError, match="Item size has exceeded the maximum allowed size"):
        client.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "2"}, **parts, "a4": {"S": "x" * 6_000}})
    with pytest.raises(client.exceptions.ClientError, match="Item size has exceeded the maximum allowed size"):
        client.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "3"}, "b": {"B": b"x" * 405_000}})
    umlauts = {
        f"a{number}": {"M": {"u": {"S": "ä" * 50_000}}} for number in range(4)
    }  # 400,000 bytes, 6 a char in JSON
    client.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "4"}, **umlauts})
    assert [item["SK"]["S"] for item in client.scan(TableName=table)["Items"]] == ["1", "4"]


def test_items_are_written_as_json_as_moto_writes_them() -> None:
    """Every attribute type, nested, as moto's `Item.to_json` gives it; the JSON is a copy: the item
    changed in place afterwards (as updates change it) leaves it as it was."""
    emulator.install()
    attributes = {
        "PK": {"S": "A"},
        **EVERY_TYPE,
        "top_b": {"B": b"\x00\xff"},
        "nested": {"L": [{"B": b"\x01"}, {"SS": ["x"]}, {"M": {"bs": {"BS": [b"a"]}, "ns": {"NS": ["1"]}}}]},
    }
    item = Item(DynamoType(attributes["PK"]), None, attributes)
    taken = item.to_json()
    assert taken == dynamodb_items._original_to_json(item)
    assert taken["Attributes"]["nested"]["L"][0] == {"B": b"\x01"} and taken["Attributes"]["top_b"] == {
        "B": b"\x00\xff"
    }
    expected = copy.deepcopy(taken)
    item.attrs["m"].value["deep"].value.append(DynamoType({"S": "new"}))
    item.attrs["ss"].value.append("c")
    item.attrs["nested"].value[2].value["ns"].value.append("2")
    item.attrs["m"].value["added"] = DynamoType({"N": "1"})
    assert taken == expected
    assert item.to_json() == dynamodb_items._original_to_json(item) != expected


def test_reads_and_writes_answer_every_attribute_type_as_written(aws: None) -> None:
    """Query, Scan, GetItem, BatchGetItem, PutItem, UpdateItem and DeleteItem answers are written
    with json.dumps: binary values (alone, in sets, lists and maps), numbers, sets, booleans and
    nulls come back as they went in."""
    emulator.install()
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    attributes = {
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"a", b"b"]},
        "l": {"L": [{"S": "ä"}, {"B": b"\x01"}, {"N": "1.50"}]},
        "m": {"M": {"k": {"S": "v"}, "b": {"B": b"zz"}, "t": {"BOOL": False}}},
        "n": {"N": "12"},
        "ns": {"NS": ["1", "2.5"]},
        "ss": {"SS": ["x"]},
        "t": {"BOOL": True},
        "z": {"NULL": True},
    }
    key = {"PK": {"S": "T"}, "SK": {"S": "1"}}
    item = key | attributes
    client.put_item(TableName=table, Item=item)
    unordered = {"bs", "ns", "ss"}  # sets: no order

    def same(found: dict[str, Any]) -> bool:
        def plain(value: dict[str, Any]) -> dict[str, Any]:
            return {name: sorted(next(iter(v.values()))) if name in unordered else v for name, v in value.items()}

        return plain(found) == plain(item)

    assert same(client.get_item(TableName=table, Key=key)["Item"])
    query = client.query(TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": key["PK"]})
    assert query["Count"] == 1 and same(query["Items"][0])
    assert same(client.scan(TableName=table)["Items"][0])
    batch = client.batch_get_item(RequestItems={table: {"Keys": [key, {"PK": {"S": "none"}, "SK": {"S": "1"}}]}})
    assert [same(found) for found in batch["Responses"][table]] == [True] and batch["UnprocessedKeys"] == {}
    assert same(client.put_item(TableName=table, Item=item, ReturnValues="ALL_OLD")["Attributes"])
    updated = client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "12"}},
        ReturnValues="ALL_NEW",
    )
    assert same(updated["Attributes"])
    assert "Attributes" not in client.update_item(
        TableName=table, Key=key, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "12"}}
    )
    assert same(client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")["Attributes"])
    assert "Attributes" not in client.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD")


def test_dynamodb_requests_from_many_threads_see_whole_items(aws: None) -> None:
    """An item updated in place on one thread while another thread queries it (moto deep-copies it)."""
    client = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    key = {"PK": {"S": "TENANT#t#OP#race"}, "SK": {"S": "OPERATION"}}
    existing = {f"x{n}": {"N": str(n)} for n in range(2000)}  # a deep copy long enough to be interrupted
    client.put_item(TableName=table, Item={**key, "progress": {"M": existing}})
    failures: list[BaseException] = []

    def update(n: int) -> None:
        try:
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET progress.#n = :rows",
                ExpressionAttributeNames={"#n": str(n)},
                ExpressionAttributeValues={":rows": {"N": str(n)}},
            )
        except BaseException as error:
            failures.append(error)

    def read() -> None:
        try:
            for _ in range(30):
                client.query(
                    TableName=table,
                    KeyConditionExpression="PK = :pk",
                    ExpressionAttributeValues={":pk": key["PK"]},
                    ConsistentRead=True,
                )
        except BaseException as error:
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often, as they would under load
    try:
        readers = [threading.Thread(target=read) for _ in range(2)]
        for reader in readers:
            reader.start()
        for n in range(100):
            update(n)
        for reader in readers:
            reader.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    stored = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert len(stored["progress"]["M"]) == 2100


def _moto_itself() -> contextlib.ExitStack:
    """Within the block, moto's expression parsing and dispatch as they are without the adapters."""
    stack = contextlib.ExitStack()
    stack.enter_context(mock.patch.object(ConditionExpressionParser, "parse", dynamodb_expressions._original_parse))
    original_make = classmethod(dynamodb_expressions._original_make)
    stack.enter_context(mock.patch.object(UpdateExpressionParser, "make", original_make))
    stack.enter_context(mock.patch.object(moto_responses, "method_names_from_class", method_names_from_class))
    return stack


def _write_outcomes(client: Any) -> list[Any]:
    """Writes the platform makes, and malformed ones, on a fresh table: each answer or error as seen."""
    table = "expressions"
    if table in client.list_tables()["TableNames"]:
        client.delete_table(TableName=table)
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
    )
    lookup = {"PK": {"S": "K"}, "SK": {"S": "LOOKUP"}}

    def count(window: str, **extra: Any) -> dict[str, Any]:
        return {
            "TableName": table,
            "Key": lookup,
            "ConditionExpression": "(attribute_exists (#0) AND #1 = :0)",
            "ReturnValues": "ALL_NEW",
            "UpdateExpression": "ADD #2 :1",
            "ExpressionAttributeNames": {"#0": "PK", "#1": "windowStart", "#2": "windowHits"},
            "ExpressionAttributeValues": {":0": {"N": window}, ":1": {"N": "1"}},
        } | extra

    def put(pk: str, **extra: Any) -> dict[str, Any]:
        item = {"PK": {"S": pk}, "SK": {"S": "1"}, "v": {"L": [{"S": pk}, {"N": "1"}]}}
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"} | extra}

    calls: list[tuple[str, dict[str, Any]]] = [
        ("put_item", {"TableName": table, "Item": lookup | {"windowStart": {"N": "1000"}, "windowHits": {"N": "0"}}}),
        ("update_item", count("1000", ReturnValuesOnConditionCheckFailure="ALL_OLD")),
        ("update_item", count("1000", ReturnValuesOnConditionCheckFailure="ALL_OLD")),
        ("update_item", count("999", ReturnValuesOnConditionCheckFailure="ALL_OLD")),
        ("update_item", count("999")),
        ("update_item", count("1000", Key={"PK": {"S": "none"}, "SK": {"S": "LOOKUP"}})),
        ("update_item", count("1000", UpdateExpression="ADD #2")),
        ("update_item", count("1000", UpdateExpression="ADD #2 :1 :1")),
        ("update_item", count("1000", ConditionExpression="attribute_exists (#0) AND")),
        ("update_item", count("1000", ConditionExpression="attribute_exists (#0) AND #1 = :9")),
        ("update_item", count("1000", ConditionExpression="attribute_exists (#0)")),
        ("update_item", count("1000", ConditionExpression="attribute_exists (name) AND #1 = :0")),
        ("update_item", count("1000", ExpressionAttributeNames={"#0": "PK", "#1": "windowStart"})),
        *[
            (
                "update_item",
                {
                    "TableName": table,
                    "Key": lookup,
                    "UpdateExpression": "SET #a = :v, #b = list_append(if_not_exists(#b, :e), :l)",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#a": "a", "#b": "b"},
                    "ExpressionAttributeValues": {":v": {"S": value}, ":e": {"L": []}, ":l": {"L": [{"S": value}]}},
                    "ReturnValues": "UPDATED_NEW",
                },
            )
            for value in ("x", "y", "x")
        ],
        ("transact_write_items", {"TransactItems": [put("A"), put("B"), put("C")]}),
        ("transact_write_items", {"TransactItems": [put("D"), put("B"), put("E")]}),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    put("F", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                    put("A", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
                ]
            },
        ),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Update": count("1000", ReturnValuesOnConditionCheckFailure="NONE") | {"ReturnValues": None}},
                    {"Delete": {"TableName": table, "Key": {"PK": {"S": "C"}, "SK": {"S": "1"}}}},
                ]
            },
        ),
        ("transact_write_items", {"TransactItems": [put("G", ConditionExpression="attribute_not_exists(")]}),
        ("scan", {"TableName": table}),
    ]
    outcomes: list[Any] = []
    for operation, kwargs in calls:
        if "TransactItems" in kwargs:  # an Update in a transaction takes no ReturnValues
            for entry in kwargs["TransactItems"]:
                for body in entry.values():
                    body.pop("ReturnValues", None)
        try:
            answer = getattr(client, operation)(**kwargs)
            answer.pop("ResponseMetadata", None)
            if operation == "scan":
                answer["Items"].sort(key=lambda item: (item["PK"]["S"], item["SK"]["S"]))
            outcomes.append(("answer", operation, answer))
        except botocore.exceptions.ClientError as error:
            response = error.response
            outcomes.append(("error", response["Error"], response.get("Item"), response.get("CancellationReasons")))
        except Exception as error:  # moto's own failures (a server would answer 500)
            outcomes.append(("raised", type(error).__name__, str(error)))
    return outcomes


def test_cached_expressions_and_dispatch_answer_as_moto_does(aws: None) -> None:
    """Conditional updates, transactions and malformed expressions, with moto's parsing and dispatch
    and with the adapters' (cold, then with every parse kept): the same answers and errors."""
    emulator.install()
    client = boto3.client("dynamodb")
    with _moto_itself():
        expected = _write_outcomes(client)
    dynamodb_expressions._conditions.clear()
    dynamodb_expressions._updates.clear()
    assert _write_outcomes(client) == expected
    assert dynamodb_expressions._conditions and dynamodb_expressions._updates, "parses are kept"
    assert _write_outcomes(client) == expected
    kinds = [outcome[1]["Code"] if outcome[0] == "error" else outcome[1] for outcome in expected]
    assert kinds.count("ConditionalCheckFailedException") == 3
    assert kinds.count("TransactionCanceledException") == 2
    assert kinds.count("ValidationException") == 4 and kinds.count("ValueError") + kinds.count("KeyError") == 4
    cancelled = [outcome for outcome in expected if outcome[0] == "error" and outcome[3]]
    assert cancelled[1][3][1]["Item"] == {"PK": {"S": "A"}, "SK": {"S": "1"}, "v": {"L": [{"S": "A"}, {"N": "1"}]}}
    assert expected[2][2]["Attributes"]["windowHits"] == {"N": "2"}
    assert expected[3][2]["windowHits"] == {"N": "2"} and expected[4][2] is None


EVERY_TYPE = {
    "s": {"S": "ä"},
    "n": {"N": "-1.5e3"},
    "b": {"B": "AAEC"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": ["AA==", "AQ=="]},
    "null": {"NULL": True},
    "no": {"BOOL": False},
    "m": {"M": {"deep": {"L": [{"M": {"b": {"B": "AQ=="}, "e": {"M": {}}, "l": {"L": []}}}, {"S": ""}]}}},
}
ODD_VALUES = [
    {"S": None, "N": "1"},  # a null member, left out
    {"Q": "unknown", "S": "x"},  # a member the model does not know, dropped
    {"S": 5, "BOOL": "yes"},  # wrong types, kept as sent
    {"M": "not a map"},
    {"L": {"not": "a list"}},
    {"L": ["not a value"]},
    {"SS": "abc"},
    "not a value",
    None,
]


def _parsed(operation: str, body: bytes) -> Any:
    """What moto's parsing, and the adapter's, make of a DynamoDB request body (or the error raised)."""
    model = boto3.client("dynamodb")._service_model.operation_model(operation)
    request = {"method": "POST", "values": {}, "headers": {}, "body": body, "url_path": "/", "url_params": {}}
    answers = []
    for parser in (moto_parse.JSONParser, dynamodb_parse.JSONParser):
        try:
            answers.append(parser(model).parse(request))
        except Exception as error:  # moto's own failures (a server would answer 500)
            answers.append((type(error).__name__, str(error)))
    return answers


def test_attribute_values_are_parsed_as_moto_parses_them() -> None:
    """Every attribute type, nested, in each request that carries items or values, and malformed
    values: the adapter's parse equals moto's (binary values decoded, nulls and unknown members left
    out, everything else as sent)."""
    item = {"PK": {"S": "A"}, "SK": {"S": "1"}, **EVERY_TYPE}
    requests = {
        "PutItem": {"TableName": "t", "Item": item, "ExpressionAttributeValues": {":v": {"N": "1"}}},
        "BatchWriteItem": {"RequestItems": {"t": [{"PutRequest": {"Item": item}}, {"DeleteRequest": {"Key": item}}]}},
        "TransactWriteItems": {
            "TransactItems": [
                {"Put": {"TableName": "t", "Item": item}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": item,
                        "UpdateExpression": "SET a = :v",
                        "ExpressionAttributeValues": {":v": {"M": EVERY_TYPE}},
                    }
                },
            ]
        },
        "Query": {"TableName": "t", "ExclusiveStartKey": item, "ExpressionAttributeValues": {":v": {"L": [item["m"]]}}},
        "BatchGetItem": {"RequestItems": {"t": {"Keys": [item, {"PK": {"S": "B"}}]}}},
    }
    for operation, sent in requests.items():
        moto_answer, adapter_answer = _parsed(operation, json.dumps(sent).encode())
        assert adapter_answer == moto_answer, operation
    assert moto_answer["RequestItems"]["t"]["Keys"][0]["b"] == {"B": b"\x00\x01\x02"}, "binary values decoded"
    for odd in ODD_VALUES:
        sent = {"TableName": "t", "Item": {"PK": {"S": "A"}, "odd": odd, "in": {"M": {"k": odd}}, "at": {"L": [odd]}}}
        moto_answer, adapter_answer = _parsed("PutItem", json.dumps(sent).encode())
        assert adapter_answer == moto_answer, odd


def test_a_keys_rsa_pair_is_made_on_first_use_and_serves_as_motos_own(aws: None) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from moto.kms.models import kms_backends

    kms, pkcs1 = boto3.client("kms"), "RSASSA_PKCS1_V1_5_SHA_256"
    stored = kms_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]].keys
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    sealed = kms.encrypt(KeyId=symmetric, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"secret"
    assert stored[symmetric].private_key._made is None, "a symmetric key never makes its pair"

    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_3072")["KeyMetadata"]["KeyId"]
    assert stored[signing].private_key._made is None
    signature = kms.sign(KeyId=signing, Message=b"m", SigningAlgorithm=pkcs1)["Signature"]
    checked = kms.verify(KeyId=signing, Message=b"m", Signature=signature, SigningAlgorithm=pkcs1)
    assert checked["SignatureValid"] is True
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=signing)["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 3072, "the key spec asked for"
    public.verify(signature, b"m", padding.PKCS1v15(), hashes.SHA256())  # raises unless the pair is one key


def test_method_names_are_listed_once_per_class() -> None:
    emulator.install()
    from moto.dynamodb.responses import DynamoHandler

    assert moto_responses.method_names_from_class(DynamoHandler) == frozenset(method_names_from_class(DynamoHandler))
    assert moto_responses.method_names_from_class(DynamoHandler) is moto_responses.method_names_from_class(
        DynamoHandler
    )


EMPTIED_AFTER_RESET = """
import gc, json, os
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
import boto3, requests
from local.emulator.embedded import EmbeddedEmulator
from contact_platform.store.table import table_definition
running = EmbeddedEmulator()
endpoint = running.start()
client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="eu-central-1")
definition = table_definition()
client.create_table(**definition)
from functions.api.contacts import get_contact  # an entry point built once the table exists
for index in range(200):
    client.put_item(TableName=definition["TableName"], Item={"PK": {"S": f"P{index}"}, "SK": {"S": "S"}})
requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
gc.collect()
items = sum(1 for found in gc.get_objects() if type(found).__name__ == "Item")
running.stop()
print(json.dumps({"frozen": gc.get_freeze_count(), "items": items, "thresholds": gc.get_threshold()}))
"""


def test_an_emptied_emulator_frees_its_items_though_a_handler_was_built_in_process() -> None:
    """local/__init__.py: the first entry point built freezes nothing here, so a table that existed
    then is collected with everything written to it once the emulator is reset (before, every item
    of it stayed for the life of the process, and each full collection walked them). The collector
    runs at the local stack's thresholds, not Python's default."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.join(root, "layers", "common", "python"), root])}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    done = subprocess.run([sys.executable, "-c", EMPTIED_AFTER_RESET], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "frozen": 0,
        "items": 0,
        "thresholds": list(COLLECTOR_THRESHOLDS),
    }
