"""Organizations (the seed's companies): name unique per tenant, searched by prefix, sorted by name."""

from __future__ import annotations

from typing import Any

from contact_platform.entities.entity import Entity, Fields
from contact_platform.entities.references import Move
from contact_platform.models.fields import CustomFields, Email, Phone, text


class OrganizationFields(Fields):
    name: text(200)  # type: ignore[valid-type]
    address: text(500) | None = None  # type: ignore[valid-type]
    phone: Phone | None = None
    email: Email | None = None
    customFields: CustomFields = {}


def _unlinked(caller: Any, organization: dict[str, Any], query: Any) -> list[Move]:
    """A deleted organization is unlinked from its contacts and deals; activities and notes keep it."""
    return [Move("organization", organization["id"], "organizationId", ("contact", "deal"), {"organizationId": None})]


ENTITY = Entity(
    "organization",
    "org",
    OrganizationFields,
    label="Organization",
    unique=("name",),
    search=("name",),
    sort=("name",),
    before_delete=_unlinked,
    merges=("contact", "deal", "activity", "note"),
    summary="A company the tenant's contacts and deals belong to.",
    example={
        "name": "Acme GmbH",
        "address": "Musterstraße 1, 10115 Berlin",
        "phone": "+49 30 123456",
        "email": "info@acme.de",
    },
)
