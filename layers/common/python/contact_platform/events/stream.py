"""How events leave the table (docs/architecture.md, "Events"): the table's stream, read by Lambda
through an event source mapping on AWS and by the local stack's poller (local/stream_poller.py),
both from this one declaration of what the event dispatcher receives.

Only INSERTs of audit items that carry an event reach it: an audit entry is written once (never
updated), its event only on a record's write and a job's end (API keys, tags, segments, webhooks
and a job's request or retry write entries without one), and the purge's later removal of an event
body is a MODIFY, not an event.

`FILTER_PATTERN` is a Lambda filter pattern (EventBridge's syntax: a leaf is a list of
alternatives); `matches()` evaluates the operators it uses, exact strings and `{"exists": ...}`,
and refuses any other, so that the local poller cannot silently disagree with Lambda about a
pattern it does not understand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Matches a record as Lambda hands it to the function (`{"Records": [record, ...]}`).
FILTER_PATTERN: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {
        "NewImage": {
            "kind": {"S": ["audit"]},
            "event": {"S": [{"exists": True}]},  # exists matches leaves only: the string inside
        },
    },
}
BATCH_SIZE = 100  # records per invocation at most
# How long records are gathered before an invocation with fewer than BATCH_SIZE: the events of one
# second go out together, at the price of up to a second more before they are delivered.
MAXIMUM_BATCHING_WINDOW_SECONDS = 1
# From the oldest record the stream keeps (24 hours): the events written before the reader started
# (on AWS while the mapping is created, locally the demo tenant's) are delivered too; LATEST would
# drop them.
STARTING_POSITION = "TRIM_HORIZON"


def filter_criteria() -> dict[str, Any]:
    """The event source mapping's `FilterCriteria` (a pattern is sent as a JSON string)."""
    return {"Filters": [{"Pattern": json.dumps(FILTER_PATTERN, separators=(",", ":"))}]}


def matches(record: Mapping[str, Any], pattern: Mapping[str, Any] = FILTER_PATTERN) -> bool:
    """Whether a stream record (Lambda's shape) matches a filter pattern of the supported operators."""
    return _matches(record, pattern)


def _matches(value: Any, pattern: Mapping[str, Any]) -> bool:
    if not isinstance(value, Mapping):
        return False
    for name, expected in pattern.items():
        present = name in value
        if isinstance(expected, Mapping):
            if not present or not _matches(value[name], expected):
                return False
        elif isinstance(expected, list):
            if not _any_of(present, value.get(name), expected):
                return False
        else:
            raise ValueError(f"filter pattern: {name!r} must be an object or a list, not {expected!r}")
    return True


def _any_of(present: bool, value: Any, alternatives: list[Any]) -> bool:
    for alternative in alternatives:
        if isinstance(alternative, str):
            if present and value == alternative:
                return True
        elif isinstance(alternative, Mapping) and set(alternative) == {"exists"}:
            if alternative["exists"] is True:
                if present and not isinstance(value, Mapping):  # a leaf, as EventBridge has it
                    return True
            elif alternative["exists"] is False:
                if not present:
                    return True
            else:
                raise ValueError(f"filter pattern: exists must be true or false, not {alternative['exists']!r}")
        else:
            raise ValueError(f"filter pattern: unsupported operator {alternative!r}")
    return False
