"""An import row becomes a contact: its cells (the canonical fields of files/csv_reading) as a
`ContactCreate`, or error rows naming the column at fault; and the counts and error rows of a chunk.
The export's own columns read back as they were written (docs/architecture.md, "Export and import
speak the same file")."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from contact_platform.files.csv_reading import split_list
from contact_platform.files.csv_writing import csv_line
from contact_platform.models.contacts import ContactCreate
from contact_platform.models.fields import text
from contact_platform.models.problems import message_of

COUNTS = (
    "processedRows",
    "created",
    "updated",
    "skippedDuplicates",
    "failed",
    "errors",
    "organizationsCreated",
    "organizationsLinked",
)


def listed(values: dict[str, str], one: str, many: str) -> list[str]:
    """A row's emails (or phones): the single column first, then the list column (the export writes
    both, `email` being the first of `emails`), each once."""
    single = [values[one]] if values.get(one) else []
    return list(dict.fromkeys([*single, *split_list(values.get(many, ""))]))


class ChunkReport:
    """The counts and error rows of one chunk."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(COUNTS, 0)
        self.lines: list[bytes] = []

    def error(self, row: int, field: str, issue: str, value: str) -> None:
        self.counts["errors"] += 1
        self.lines.append(csv_line([str(row), field, issue, value[:100]]))

    def failed(self, row: int, field: str, issue: str, value: str) -> None:
        self.counts["failed"] += 1
        self.error(row, field, issue, value)

    def duplicate(self, row: int, field: str, issue: str, value: str) -> None:
        self.counts["skippedDuplicates"] += 1
        self.error(row, field, issue, value)


def _custom_fields(values: dict[str, str]) -> dict[str, Any]:
    """The `customFields` column (a JSON object, as exported)."""
    if not values.get("customFields"):
        return {}
    try:
        parsed = json.loads(values["customFields"])
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise _CellProblem("customFields", "is not a JSON object")
    return parsed


def company(values: dict[str, str]) -> str | None:
    """The row's company column (`Firma`, `Company`, `Organization`, ...): the name of the
    organization the contact is linked to, unless its `organizationId` names one of the tenant."""
    return _company().validate_python(values["company"]) if values.get("company") else None


class _CellProblem(Exception):
    def __init__(self, field: str, issue: str) -> None:
        super().__init__(issue)
        self.field = field
        self.issue = issue


def _candidate(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in ("firstName", "lastName", "name", "organizationId", "consentGivenAt"):
        if values.get(field):
            body[field] = values[field]
    for field, one in (("emails", "email"), ("phones", "phone")):
        items = listed(values, one, field)
        if items:
            body[field] = items
    if values.get("tags"):
        body["tags"] = split_list(values["tags"])
    custom = _custom_fields(values)
    if custom:
        body["customFields"] = custom
    return body


# The columns a contact field comes from, in the order a row error names them.
_COLUMNS = {"emails": ("email", "emails"), "phones": ("phone", "phones"), "customFields": ("customFields",)}


@cache
def _company() -> TypeAdapter[str]:
    """An organization's name (entities/organizations.py), built on first use (docs/architecture.md, "Cold start")."""
    return TypeAdapter(text(200))


def validated(row: int, values: dict[str, str], chunk: ChunkReport) -> ContactCreate | None:
    """The row as a contact to write, or None once its error rows are in `chunk`."""
    if not (values.get("email") or values.get("emails") or values.get("phone") or values.get("phones")):
        chunk.failed(row, "email", "an email or a phone number is required", "")
        return None
    try:
        company(values)
    except ValidationError as invalid:
        chunk.failed(row, "company", message_of(invalid.errors()[0]), values["company"])
        return None
    try:
        return ContactCreate.model_validate(_candidate(values))
    except _CellProblem as cell:
        chunk.failed(row, cell.field, cell.issue, values.get(cell.field, ""))
        return None
    except ValidationError as invalid:
        for index, problem in enumerate(invalid.errors()):
            location = [str(part) for part in problem["loc"]] or [str((problem.get("ctx") or {}).get("field", "row"))]
            columns = _COLUMNS.get(location[0], ())
            field = next((column for column in columns if column in values), columns[0] if columns else location[0])
            (chunk.failed if index == 0 else chunk.error)(row, field, message_of(problem), values.get(field, ""))
        return None
