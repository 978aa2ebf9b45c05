"""The lead migration's checks of each lead (docs/architecture.md, "Lead migration"): its fields as
the lead's declaration reads them (entities/leads.py), the lead's rules, and what only a migration
asks: an `externalId` unique in the batch, an owner that is an active user of the tenant, a
`registeredAt` given (historical: never assumed) and `countsAsProgress` given on every activity.

A problem is `{externalId, field, error}`, worded as the migration's specification words it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticError

from contact_platform.entities.leads import MAX_ACTIVITIES, LeadFields, rules
from contact_platform.models.fields import Moment
from contact_platform.models.leads import LeadActivity
from contact_platform.models.problems import field_of, issue_of
from contact_platform.store import records

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Any text: an owner that is no active user of the tenant gets the specification's "Owner user not found".
OwnerRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class MigrationLead(LeadFields):
    """A lead as a migration sends it: with its own ID in the old system, its owner and its dates."""

    externalId: ExternalId
    ownerUserId: OwnerRef
    registeredAt: Moment


@dataclass(frozen=True)
class Incoming:
    """A lead that passed every check: its place in the request and its fields as they would be stored."""

    index: int
    external_id: str
    data: dict[str, Any]


def problem(external_id: str | None, field: str, error: str) -> dict[str, Any]:
    return {"externalId": external_id, "field": field, "error": error}


def _external_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("externalId")
    return value.strip() or None if isinstance(value, str) else None


def _field_problems(raw: dict[str, Any], error: PydanticError) -> list[dict[str, Any]]:
    external_id, found = _external_id(raw), []
    for item in error.errors():
        field, kind = field_of(item), item.get("type")
        sent = item.get("input")  # what was sent there (for a missing field: the object that lacks it)
        if field.endswith(".countsAsProgress") and kind == "missing":
            kind_of = sent.get("activityType") if isinstance(sent, dict) else None
            message = f"countsAsProgress must be explicitly set for activity: {kind_of}"
        elif field.endswith("email") and kind == "value_error":
            message = f"Invalid email format: '{sent}'"
        elif kind == "missing":
            message = f"{field} is required"
        else:
            message = issue_of(item)
        if problem(external_id, field, message) not in found:
            found.append(problem(external_id, field, message))
    return found


_FIELDS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(Annotated[field.annotation, field])  # type: ignore[arg-type]  # a field's type and constraints
    for name, field in MigrationLead.model_fields.items()
}
_ACTIVITY = TypeAdapter(LeadActivity)


def _valid(adapter: TypeAdapter[Any], value: Any) -> Any:
    """The value as a lead would store it, or None when it does not validate."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json", exclude_none=True)
    except PydanticError:
        return None


def _rule_problems(raw: dict[str, Any], error: PydanticError, said: set[str]) -> list[dict[str, Any]]:
    """The lead's rules on the fields of it that did validate (its activities one by one), so that a
    lead with a bad field hears of its rules' problems in the same dry run; none on a field `said` has a
    problem of already."""
    unknown = {str(item["loc"][0]) for item in error.errors() if item.get("loc")}
    partial: dict[str, Any] = {}
    for name, value in raw.items():
        if name in unknown and name == "activities" and isinstance(value, list) and len(value) <= MAX_ACTIVITIES:
            partial[name] = [_valid(_ACTIVITY, activity) for activity in value]
        elif name in _FIELDS and name not in unknown:
            partial[name] = _valid(_FIELDS[name], value)
    if "activities" in partial:
        unknown.discard("activities")
    return [
        problem(_external_id(raw), detail.field, detail.issue)
        for detail in rules(partial, set(partial), unknown=frozenset(unknown))
        if detail.field not in said
    ]


def _checked(index: int, raw: dict[str, Any]) -> tuple[Incoming | None, list[dict[str, Any]]]:
    try:
        lead = MigrationLead.model_validate(raw)
    except PydanticError as error:
        found = _field_problems(raw, error)
        return None, found + _rule_problems(raw, error, {each["field"] for each in found})
    data = lead.model_dump(mode="json", exclude_none=True, exclude={"externalId"})
    found = [problem(lead.externalId, detail.field, detail.issue) for detail in rules(data, set(data))]
    return (None if found else Incoming(index, lead.externalId, data)), found


_OWNER_REF = TypeAdapter(OwnerRef)


def _owner(raw: dict[str, Any]) -> str | None:
    """The owner a lead names, when it is a well-formed `OwnerRef` (else its field check says why)."""
    try:
        return _OWNER_REF.validate_python(raw.get("ownerUserId"))
    except PydanticError:
        return None


def check(tenant_id: str, leads: list[dict[str, Any]]) -> tuple[list[Incoming], list[dict[str, Any]]]:
    """The leads that pass every check, and every problem of the others (in the request's order). A
    lead's owner and its rules are checked whatever else is wrong with it (`_rule_problems`), so that
    one dry run names every problem of a lead (the specification's validator collects them all)."""
    passed: list[Incoming] = []
    problems: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    owners = [_owner(raw) for raw in leads]
    named = {owner for owner in owners if owner is not None}
    active = {user_id for user_id, user in records.get_records(tenant_id, "user", named).items() if user.is_active}
    for index, (raw, owner) in enumerate(zip(leads, owners, strict=True)):
        incoming, found = _checked(index, raw)
        if owner is not None and owner not in active:
            found.append(problem(_external_id(raw), "ownerUserId", f"Owner user not found: {owner}"))
            incoming = None
        problems += [(index, each) for each in found]
        if incoming is None:
            continue
        if incoming.external_id in seen:
            problems.append((index, problem(incoming.external_id, "externalId", "Duplicate externalId in this batch")))
            continue
        seen.add(incoming.external_id)
        passed.append(incoming)
    return passed, [each for _, each in problems]
