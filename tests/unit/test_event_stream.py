"""The declaration of what the event dispatcher receives from the table's stream, and its matcher."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from contact_platform.events import stream


def record(event_name: str = "INSERT", **new_image: Any) -> dict[str, Any]:
    image = {"PK": {"S": "TENANT#t"}, "SK": {"S": "AUDIT#a"}, "kind": {"S": "audit"}, "event": {"S": "{}"}}
    image.update(new_image)
    image = {name: value for name, value in image.items() if value is not None}
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"PK": image.get("PK"), "SK": image.get("SK")}, "NewImage": image, "SequenceNumber": "1"},
    }


def test_an_insert_of_an_audit_item_with_an_event_matches() -> None:
    assert stream.matches(record())


@pytest.mark.parametrize(
    "candidate",
    [
        record("MODIFY"),  # the purge removing an event body
        record("REMOVE"),
        record(event=None),  # API keys, tags, segments, jobs: audit entries without an event
        record(kind={"S": "contact"}),
        record(kind={"S": "Audit"}),  # exact, case and all
        record(kind={"N": "1"}),
        record(kind=None),
        record(event={"M": {"S": {"S": "x"}}}),  # an event that is not a string
    ],
)
def test_other_records_do_not_match(candidate: dict[str, Any]) -> None:
    assert not stream.matches(candidate)


def test_a_remove_has_no_new_image() -> None:
    removed = record("REMOVE")
    removed["dynamodb"]["OldImage"] = removed["dynamodb"].pop("NewImage")
    assert not stream.matches(removed)
    assert not stream.matches({"eventName": "INSERT"})
    assert not stream.matches({"eventName": "INSERT", "dynamodb": "not an object"})


def test_exists_is_for_leaves_and_false_means_absent() -> None:
    assert stream.matches({"a": {"b": "x"}}, {"a": {"b": [{"exists": True}]}})
    assert not stream.matches({"a": {"b": {"c": "x"}}}, {"a": {"b": [{"exists": True}]}})
    assert stream.matches({"a": {}}, {"a": {"b": [{"exists": False}]}})
    assert not stream.matches({"a": {"b": "x"}}, {"a": {"b": [{"exists": False}]}})


def test_a_list_is_any_of_its_values() -> None:
    pattern = {"eventName": ["INSERT", "MODIFY"]}
    assert stream.matches(record("MODIFY"), pattern)
    assert not stream.matches(record("REMOVE"), pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": [{"prefix": "IN"}]},
        {"eventName": [{"anything-but": ["REMOVE"]}]},
        {"eventName": [{"exists": "yes"}]},
        {"eventName": "INSERT"},
        {"eventName": [1]},
    ],
)
def test_operators_it_does_not_implement_are_refused(pattern: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="filter pattern"):
        stream.matches(record(), pattern)


def test_the_filter_criteria_carry_the_pattern_as_json() -> None:
    (only,) = stream.filter_criteria()["Filters"]
    assert json.loads(only["Pattern"]) == stream.FILTER_PATTERN
    pristine = copy.deepcopy(stream.FILTER_PATTERN)
    stream.matches(record())
    assert pristine == stream.FILTER_PATTERN


def test_batching_and_starting_position_are_what_lambda_accepts() -> None:
    assert 1 <= stream.BATCH_SIZE <= 10_000
    assert 0 <= stream.MAXIMUM_BATCHING_WINDOW_SECONDS <= 300
    assert stream.STARTING_POSITION in {"TRIM_HORIZON", "LATEST"}
