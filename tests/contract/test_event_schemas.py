"""contact_platform/events/schemas/: one valid JSON Schema per event type, current with the models."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from contact_platform.events.catalog import SCHEMAS, delivered_types, event_types, schema_text


def test_every_event_type_has_its_checked_in_schema_and_no_other_file_is_there() -> None:
    assert {path.stem for path in SCHEMAS.glob("*.json")} == set(delivered_types())
    for event_type in delivered_types():
        assert (SCHEMAS / f"{event_type}.json").read_text() == schema_text(event_type), (
            f"{event_type}: stale, run `make openapi`"
        )


@pytest.mark.parametrize("event_type", sorted(delivered_types()))
def test_each_schema_is_valid_and_names_its_type(event_type: str) -> None:
    schema = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"] == {"const": event_type}


def test_the_types_cover_each_entity_s_writes() -> None:
    types = set(event_types())
    assert {"contact.created", "contact.merged", "deal.won", "deal.lost", "organization.merged"} <= types
    assert {"user.created", "user.updated"} <= types and "user.deleted" not in types  # users are deactivated


def test_the_test_event_is_delivered_but_not_subscribed_to() -> None:
    assert "webhook.test" in delivered_types() and "webhook.test" not in event_types()
