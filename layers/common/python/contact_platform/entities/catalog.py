"""Every declared entity: its name and the module that declares it (`entities/<plural>.py`, whose
`ENTITY` is the declaration), in the order of the route table and the API reference.

Kept free of the declarations themselves, so that a route's function imports only its own entity's
(docs/architecture.md, "Cold start"); the whole catalog is loaded by the tools that read every
route (the full route table, CDK, the local gateway, the OpenAPI document).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contact_platform.entities.entity import Entity

# Verbs of the derived routes (their names: `<verb>_<entity>`, the lists `list_<plural>` and
# `list_deleted_<plural>`); an entity that is restored also lists what is deleted (`list_deleted`).
CRUD_VERBS = ("create", "list", "get", "update", "delete", "restore", "list_deleted")
# entity name -> plural (its module, its routes' `list_<plural>`, its scopes `<plural>:*`)
PLURALS: dict[str, str] = {
    "organization": "organizations",
    "pipeline": "pipelines",
    "stage": "stages",
    "deal": "deals",
    "product": "products",
    "deal_product": "deal_products",
    "activity": "activities",
    "note": "notes",
    "user": "users",
    "lead": "leads",
    "campaign": "campaigns",
    "campaign_entry": "campaign_entries",
}
# The derived routes of entities that have fewer than all (users are deactivated, never deleted:
# entities/users.py) or more (organizations are merged: their `merges`), so that scopes and route
# names are known without importing a declaration.
VERBS: dict[str, tuple[str, ...]] = {
    "user": ("create", "list", "get", "update"),
    "organization": (*CRUD_VERBS, "merge"),
}


def verbs(name: str) -> tuple[str, ...]:
    return VERBS.get(name, CRUD_VERBS)


# Entities whose routes take another resource's scopes (a pipeline's stages are configured with it).
SCOPE_RESOURCES: dict[str, str] = {"stage": "pipelines", "deal_product": "deals", "campaign_entry": "campaigns"}


def scope_resource(name: str) -> str:
    """`organizations` in `organizations:read`."""
    return SCOPE_RESOURCES.get(name, PLURALS[name]).replace("_", "-")


def entity(name: str) -> Entity:
    declared: Entity = importlib.import_module(f"contact_platform.entities.{PLURALS[name]}").ENTITY
    return declared


def all_entities() -> tuple[Entity, ...]:
    return tuple(entity(name) for name in PLURALS)


def route_verb(route_name: str) -> str:
    """`list_deleted` in `list_deleted_organizations`, `create` in `create_organization`."""
    return "list_deleted" if route_name.startswith("list_deleted_") else route_name.partition("_")[0]


def entity_of_route(route_name: str) -> Entity | None:
    """The entity whose derived route this is (`create_organization`, `list_organizations`), if any."""
    verb = route_verb(route_name)
    rest = route_name.removeprefix(f"{verb}_")
    if verb in ("list", "list_deleted"):
        name = next((name for name, plural in PLURALS.items() if plural == rest), None)
    else:
        name = rest if rest in PLURALS else None
    return entity(name) if name and verb in verbs(name) else None
