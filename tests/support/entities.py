"""Records of the declared entities for tests: made from each declaration's example, with its unique
values made distinct and its references pointing at records made first (in the same tenant)."""

from __future__ import annotations

from typing import Any

from contact_platform.entities.catalog import all_entities, verbs
from contact_platform.entities.entity import Entity
from tests.support.fixtures import Api

ENTITIES: tuple[Entity, ...] = all_entities()
BY_NAME: dict[str, Entity] = {entity.name: entity for entity in ENTITIES}
# Entities whose records are soft-deleted and restored (users are deactivated instead: test_users.py).
DELETED = frozenset(entity.name for entity in ENTITIES if "delete" in verbs(entity.name))
_made = 0


def _distinct(value: Any) -> Any:
    global _made
    _made += 1
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and "@" in value:  # an email: distinct before the domain
        local, domain = value.split("@", 1)
        return f"{local}.{_made}@{domain}"
    return f"{value}-{_made}" if isinstance(value, str) else value + _made


def body_for(api: Api, key: str, entity: Entity, **overrides: Any) -> dict[str, Any]:
    """A valid create body of `entity` for the tenant of `key`."""
    body = {name: _distinct(value) if name in entity.unique else value for name, value in entity.example.items()}
    for field, target in entity.references.items():
        if field in body and field not in overrides and field != entity.parent:
            shared = entity.within.get(field)  # a deal's stage: made in the deal's pipeline
            at = collection(api, key, BY_NAME[target], {**body, **overrides}[shared]) if shared else None
            body[field] = make(api, key, target, at=at)["id"]
    return {**body, **overrides}


def collection(api: Api, key: str, entity: Entity, parent_id: str | None = None) -> str:
    """Where the entity's records are created and listed (under a new parent for a nested entity)."""
    if entity.parent is None:
        return entity.path
    parent_id = parent_id or make(api, key, entity.references[entity.parent])["id"]
    return entity.collection_path.replace(f"{{{entity.parent}}}", parent_id)


def make(api: Api, key: str, entity_name: str, *, at: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A new record (a contact for "contact") in the tenant of `key`, created at `at` (default: the
    entity's collection, under a new parent for a nested entity)."""
    if entity_name == "contact":
        return api.create_contact(key, name="Referenced Contact")
    entity = BY_NAME[entity_name]
    reply = api.post(at or collection(api, key, entity), key=key, json=body_for(api, key, entity, **overrides))
    assert reply.status == 201, (entity.name, reply.body)
    record: dict[str, Any] = reply.data
    return record


def make_each(api: Api, key: str) -> dict[str, dict[str, Any]]:
    """One record of every entity, by entity name."""
    return {entity.name: make(api, key, entity.name) for entity in ENTITIES}
