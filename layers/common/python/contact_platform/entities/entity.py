"""What an entity declaration says (docs/architecture.md, "Entities"): everything the generic routes,
models, service and store need to know about one CRM resource, written once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from pydantic import ConfigDict

from contact_platform.errors import Detail
from contact_platform.models.base import Model

SERVER_SORTS = ("createdAt", "updatedAt")


class Fields(Model):
    """The base of an entity's fields model: the writable fields, each written once. A field without
    a default is required on create; the others are optional (None: not set)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, eq=False)
class Entity:
    name: str  # snake case: `deal_product`; routes `create_deal_product`, audit entity type, events
    prefix: str  # the ID prefix: `org` -> `org_...`
    fields: type[Fields]
    _: KW_ONLY
    label: str  # in messages: "Organization not found"
    plural: str = ""  # snake case, default name + "s": routes `list_organizations`, scopes `organizations:*`
    unique: tuple[str, ...] = ()  # unique per tenant among active records, case- and accent-insensitive
    search: tuple[str, ...] = ()  # prefix search (`search=`, at least 2 characters) over these fields
    filters: tuple[str, ...] = ()  # equality filters of the list (fields of `fields`)
    sort: str | None = None  # a field the list sorts by besides createdAt and updatedAt (GSI3)
    link: str | None = None  # a reference whose filter is one Query (GSI5); other filters read pages
    references: Mapping[str, str] = field(default_factory=dict)  # field -> entity that must exist in the tenant
    owned: bool = True  # ownerId (default: the caller) and visibleTo (owner | everyone)
    # Rules across fields, on the record as it would be stored (API field names): the problems, if any.
    checks: Callable[[dict[str, Any]], list[Detail]] | None = None
    summary: str = ""  # what one record is, for the API reference
    # A valid create body (the API reference's example; tests make records from it, with unique
    # values made distinct and references pointing at records they create first).
    example: Mapping[str, Any] = field(default_factory=dict)

    @property
    def plural_name(self) -> str:
        return self.plural or f"{self.name}s"

    @property
    def id_param(self) -> str:
        return f"{_camel(self.name)}Id"

    @property
    def path(self) -> str:
        return "/api/v1/" + self.plural_name.replace("_", "-")

    @property
    def item_path(self) -> str:
        return f"{self.path}/{{{self.id_param}}}"

    def scope(self, action: str) -> str:
        return f"{self.plural_name.replace('_', '-')}:{action}"

    @property
    def sort_fields(self) -> tuple[str, ...]:
        return (*SERVER_SORTS, self.sort) if self.sort else SERVER_SORTS

    def route_name(self, verb: str) -> str:
        return f"list_{self.plural_name}" if verb == "list" else f"{verb}_{self.name}"
