"""Contacts and the organizations they name: `organizationId` must name an active organization of
the tenant the caller sees (422 otherwise), and an import's company column links each row to the
organization of that name, creating it when missing (docs/architecture.md, "Organizations of contacts")."""

from __future__ import annotations

from collections.abc import Iterable

from contact_platform import errors
from contact_platform.entities.visibility import seen
from contact_platform.errors import Detail
from contact_platform.ids import derived_id
from contact_platform.permissions import Caller
from contact_platform.services import search_terms
from contact_platform.store import records as record_store

ORGANIZATION = "organization"
NO_ORGANIZATION = "no organization with this id"


def unknown_organizations(caller: Caller, organization_ids: Iterable[str]) -> set[str]:
    """Those of the IDs that name no active organization the caller sees (one BatchGetItem)."""
    wanted = set(organization_ids)
    found = record_store.get_records(caller.tenant_id, ORGANIZATION, wanted)
    return {organization_id for organization_id in wanted if not seen(caller, found.get(organization_id))}


def require_organization(caller: Caller, organization_id: str | None) -> None:
    if organization_id and unknown_organizations(caller, [organization_id]):
        raise errors.invalid([Detail("organizationId", NO_ORGANIZATION)])


def organizations_named(caller: Caller, names: Iterable[str], operation_id: str) -> tuple[dict[str, str | None], int]:
    """Folded name -> the organization of that name (None: one the caller may not see holds it),
    creating the missing ones in the first spelling of `names`, with IDs derived from the operation
    and name (a retried chunk finds them); and how many this call created (or an earlier attempt of
    the same operation)."""
    spelled: dict[str, str] = {}
    for name in names:
        spelled.setdefault(search_terms.fold(name), name)  # the first spelling names a new organization
    forms = {key: search_terms.unique_forms(name) for key, name in spelled.items()}
    holders = record_store.holders_of(
        caller.tenant_id, ORGANIZATION, "name", {f for held in forms.values() for f in held}
    )
    found = record_store.get_records(caller.tenant_id, ORGANIZATION, holders.values())
    linked: dict[str, str | None] = {}
    created = 0
    for key, name in spelled.items():
        own_id = derived_id("org", f"{operation_id}#{key}")
        holder = _holder(holders, forms[key]) or _created(caller, name, own_id)
        linked[key] = holder if holder and (holder == own_id or seen(caller, found.get(holder))) else None
        created += 1 if holder == own_id else 0
    return linked, created


def _created(caller: Caller, name: str, organization_id: str) -> str | None:
    """Create the organization; when another request took the name meanwhile, its holder."""
    from contact_platform.entities import service  # only an import with a company column creates any
    from contact_platform.entities.catalog import entity
    from contact_platform.entities.shapes import shapes

    declared = entity(ORGANIZATION)
    try:
        body = shapes(declared).create.model_validate({"name": name})
        return str(service.create(declared, caller, body, record_id=organization_id).id)  # type: ignore[attr-defined]
    except errors.ApiError as error:
        if error.status != 409:
            raise
    forms = search_terms.unique_forms(name)
    return _holder(record_store.holders_of(caller.tenant_id, ORGANIZATION, "name", forms), forms)


def _holder(holders: dict[str, str], forms: list[str]) -> str | None:
    """The organization holding a name in the first of its forms held (`Mueller GmbH`: the one of
    `Müller GmbH`, which holds `mueller gmbh` too)."""
    return next((holders[form] for form in forms if form in holders), None)
