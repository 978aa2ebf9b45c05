"""Every event type and its JSON Schema (docs/architecture.md, "Events"): a record's write is
`<entity>.<action>`, one type per verb of the entity that changes a record (`created`, `updated`,
`deleted`, `restored`, `merged`) and its declared extra events (deals: `won`, `lost`); a job's end,
in any terminal state, is `<job>.finished` (`import`, `export`, `tag_assignment`, `move`,
`campaign_export`), and a lead
migration's committed run `lead_migration.finished` (a migrated lead is `lead.created`). Webhooks
also receive `webhook.test` (`POST /webhooks/{id}/test`), which nothing subscribes to. Each
type's schema is kept as `schemas/<type>.json` (`make openapi` writes them; a test holds them current)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from contact_platform import errors
from contact_platform.errors import Detail
from contact_platform.models.base import Model
from contact_platform.names import closest

SCHEMAS = Path(__file__).parent / "schemas"
# verb -> the action a write by it is
_ACTIONS = {"create": "created", "update": "updated", "delete": "deleted", "restore": "restored", "merge": "merged"}
_CONTACT_VERBS = ("create", "update", "delete", "restore", "merge")
_NO_PREVIOUS = (".created", ".finished", ".test")  # a new record, a job's end, a test: no old values


@cache
def event_types() -> dict[str, type[Model]]:
    """Event type -> the model of its `data` (the record or operation as the API returns it)."""
    from contact_platform.entities.catalog import all_entities, verbs
    from contact_platform.entities.shapes import shapes
    from contact_platform.models.campaign_exports import CampaignExport
    from contact_platform.models.contacts import Contact
    from contact_platform.models.lead_migration import LeadMigrationFinished
    from contact_platform.models.operations import BY_JOB, FINISHED

    types: dict[str, type[Model]] = {f"contact.{_ACTIONS[verb]}": Contact for verb in _CONTACT_VERBS}
    for entity in all_entities():
        actions = [_ACTIONS[verb] for verb in verbs(entity.name) if verb in _ACTIONS]
        types.update({f"{entity.name}.{action}": shapes(entity).public for action in [*actions, *entity.events]})
    types.update({FINISHED[job]: model for job, model in BY_JOB.items()})
    types["lead_migration.finished"] = LeadMigrationFinished
    types[FINISHED["campaign_exports"]] = CampaignExport
    return types


@cache
def emitted_types() -> frozenset[str]:
    """The types records and jobs emit, read from the schema files' names (the same set as
    `event_types()`, held so by a test) without importing every entity's declaration."""
    return frozenset(path.stem for path in SCHEMAS.glob("*.json")) - {"webhook.test"}


def checked_selector(selector: str, field: str) -> str:
    """A known event type, `<entity>.*` for an entity that emits events, or `*`; else a 422 on `field`
    (a webhook's `event`, the events list's `type`)."""
    types = emitted_types()
    entities = sorted({name.partition(".")[0] for name in types})
    entity, _, action = selector.partition(".")
    if selector == "*" or selector in types or (action == "*" and entity in entities):
        return selector
    meant = closest(selector, [*types, *(f"{name}.*" for name in entities)])
    hint = f"did you mean {meant}? " if meant else ""
    issue = (
        f"unknown event type {selector!r}: {hint}give an event type (GET /api/v1/events lists them, e.g. "
        f"deal.won), <entity>.* for one of {', '.join(entities)}, or *"
    )
    raise errors.validation_error("Unknown event type", [Detail(field, issue)])


@cache
def delivered_types() -> dict[str, type[Model]]:
    """What webhooks receive: every event type, and the test event."""
    from contact_platform.models.webhooks import WebhookTestData

    return {**event_types(), "webhook.test": WebhookTestData}


def schema_for(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event type's body (as listed by the API and delivered to webhooks)."""
    data = delivered_types()[event_type].model_json_schema(mode="serialization")
    definitions = data.pop("$defs", {})
    merged = event_type.endswith(".merged")
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://contact-data-platform.example/events/{event_type}.json",
        "title": event_type,
        "type": "object",
        "required": ["id", "type", "occurredAt", "tenantId", "data", "previous"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^evt_[A-Za-z0-9]{20}$"},
            "type": {"const": event_type},
            "occurredAt": {"type": "string", "format": "date-time"},
            "tenantId": {"type": "string"},
            "data": data,
            "previous": {"type": "null"} if event_type.endswith(_NO_PREVIOUS) else {"type": ["object", "null"]},
            "mergedId": {"type": "string"} if merged else {"type": "null"},
        },
    }
    if merged:
        schema["required"].append("mergedId")
    if definitions:
        schema["$defs"] = definitions
    return schema


def schema_text(event_type: str) -> str:
    return json.dumps(schema_for(event_type), indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path = SCHEMAS) -> list[Path]:
    """Write every type's schema file, and remove those of types that no longer exist."""
    directory.mkdir(exist_ok=True)
    written = []
    for event_type in delivered_types():
        path = directory / f"{event_type}.json"
        path.write_text(schema_text(event_type))
        written.append(path)
    for stale in set(directory.glob("*.json")) - set(written):
        stale.unlink()
    return written
