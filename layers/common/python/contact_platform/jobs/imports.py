"""The import job.

- plan: read the CSV (encoding, delimiter, header mapping; a file that is not CSV fails the job and
  writes nothing), mark rows that repeat an earlier row's email or phone, write chunks of rows.
- process_chunk: check each row (a name plus an email or a phone; formats), find existing contacts by
  normalized email, then phone; skip or update them (mode), create the rest in grouped transactions.
  New contacts get IDs derived from operation and row, so a retried chunk creates no duplicates.
- finalize: sum the counts, merge the chunks' error rows into one CSV report, keep the first 100 inline.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from contact_platform import aws
from contact_platform.config import settings
from contact_platform.files.csv_reading import CsvRefused, Row, open_csv
from contact_platform.files.csv_writing import csv_line
from contact_platform.files.s3_files import MultipartWriter, iter_object, object_source
from contact_platform.jobs import steps
from contact_platform.models.contacts import ContactCreate, ContactPatch
from contact_platform.permissions import Caller
from contact_platform.services import contacts, operations, search_terms
from contact_platform.store import contacts as contact_store
from contact_platform.store import operations as operation_store
from contact_platform.store.contacts import ContactWrite
from contact_platform.store.errors import StaleVersion, UniqueValueTaken
from contact_platform.store.operations import ChunkResultItem, OperationItem

WORKFLOW = "imports"
INLINE_ERRORS = 100
REPORT_HEADER = ["row", "field", "issue", "value"]
COUNTS = ("processedRows", "created", "updated", "skippedDuplicates", "failed", "errors")


def report_key(operation: OperationItem) -> str:
    return f"tenants/{operation.tenant_id}/import-reports/{operation.operation_id}-errors.csv"


def contact_id_for(operation_id: str, row: int) -> str:
    """The same operation and row always give the same contact ID (idempotent chunks)."""
    return "con_" + hashlib.sha256(f"{operation_id}#{row}".encode()).hexdigest()[:20]


# Plan ------------------------------------------------------------------------------------------


def _dedupe_keys(values: dict[str, str]) -> tuple[str | None, str | None]:
    email = values.get("email")
    phone = values.get("phone")
    return (search_terms.email_key(email) if email else None, search_terms.phone_key(phone) if phone else None)


def _records(rows: Iterator[Row]) -> Iterator[dict[str, Any]]:
    """Rows as chunk records; a row repeating an earlier row's email (or, failing that, phone) is marked."""
    first_by_email: dict[str, int] = {}
    first_by_phone: dict[str, int] = {}
    for row in rows:
        record: dict[str, Any] = {"row": row.number, "values": row.values}
        if row.problems:
            record["problems"] = [[p.field, p.issue, p.value] for p in row.problems]
        else:
            email, phone = _dedupe_keys(row.values)
            earlier = (first_by_email.get(email) if email else None) or (first_by_phone.get(phone) if phone else None)
            if earlier is not None:
                field = "email" if email and email in first_by_email else "phone"
                record["duplicateOf"] = [field, earlier]
            else:
                if email:
                    first_by_email[email] = row.number
                if phone:
                    first_by_phone.setdefault(phone, row.number)
        yield record


def plan(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    source = object_source(aws.client("s3"), str(operation.params["bucket"]), str(operation.params["fileKey"]))
    try:
        layout, rows = open_csv(source)
    except CsvRefused as refused:
        raise steps.JobRefused(refused.reason) from refused
    steps.begin(
        operation,
        unknownColumns=list(layout.unknown_columns),
        encoding=layout.encoding,
        delimiter=layout.delimiter,
    )
    counted = 0

    def counting(records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal counted
        for record in records:
            counted += 1
            yield record

    manifest = steps.write_chunks(operation, counting(_records(rows)), settings().chunk_rows)
    operation.refresh(consistent_read=True)
    operation_store.update(operation, params={**operation.params, "totalRows": counted})
    return manifest


# Process a chunk -------------------------------------------------------------------------------


class _Chunk:
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


def _candidate(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in ("firstName", "lastName", "name"):
        if values.get(field):
            body[field] = values[field]
    if values.get("email"):
        body["emails"] = [values["email"]]
    if values.get("phone"):
        body["phones"] = [values["phone"]]
    if values.get("tags"):
        body["tags"] = [tag.strip() for tag in values["tags"].replace(";", ",").split(",") if tag.strip()]
    if values.get("company"):
        body["customFields"] = {"company": values["company"]}
    return body


_LOCATIONS = {"emails": "email", "phones": "phone", "customFields": "company"}


def _validated(row: int, values: dict[str, str], chunk: _Chunk) -> ContactCreate | None:
    if not (values.get("email") or values.get("phone")):
        chunk.failed(row, "email", "an email or a phone number is required", "")
        return None
    try:
        return ContactCreate.model_validate(_candidate(values))
    except ValidationError as invalid:
        for index, problem in enumerate(invalid.errors()):
            location = [str(part) for part in problem["loc"]] or [str((problem.get("ctx") or {}).get("field", "row"))]
            field = _LOCATIONS.get(location[0], location[0])
            (chunk.failed if index == 0 else chunk.error)(row, field, str(problem["msg"]), values.get(field, ""))
        return None


def _existing(tenant_id: str, valid: dict[int, ContactCreate]) -> dict[int, tuple[str, str]]:
    """Row -> (matched field, contact ID) for rows matching an active contact: by email, then phone."""
    email_of = {row: search_terms.email_key(body.emails[0]) for row, body in valid.items() if body.emails}
    by_email = contact_store.contacts_by_email(tenant_id, email_of.values())
    matches: dict[int, tuple[str, str]] = {}
    for row, body in valid.items():
        email = email_of.get(row)
        if email and email in by_email:
            matches[row] = ("email", by_email[email])
            continue
        phone = search_terms.phone_key(body.phones[0]) if body.phones else None
        holders = contact_store.contacts_by_phone(tenant_id, phone) if phone else []
        if holders:
            matches[row] = ("phone", holders[0])
    return matches


def _added(held: list[str], values: list[str], key: Callable[[str], str | None]) -> list[str]:
    """`held` and the values it does not hold yet in any spelling (by their duplicate-finding key)."""
    known = {key(value) for value in held}
    return [*held, *(value for value in values if key(value) not in known)]


def _upsert(scope: Caller, contact_id: str, body: ContactCreate) -> None:
    """Fill in the row's values on the existing contact: names and company replace, email, phone and
    tags are added. Repeating it changes nothing more."""
    item = contact_store.get_contact(scope.tenant_id, contact_id)
    if item is None or not item.is_active:
        raise StaleVersion(contact_id)
    patch: dict[str, Any] = {
        field: getattr(body, field) for field in ("firstName", "lastName", "name") if getattr(body, field)
    }
    patch["emails"] = _added(item.emails, body.emails, search_terms.email_key)
    patch["phones"] = _added(item.phones, body.phones, search_terms.phone_key)
    patch["tags"] = list(dict.fromkeys([*item.tags, *body.tags]))
    if body.customFields:
        patch["customFields"] = {**contacts.plain_map(item.custom_fields), **body.customFields}
    contacts.update_contact(scope, contact_id, ContactPatch.model_validate(patch), None)


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    number = int(event["chunk"]["chunk"])
    scope = operations.acting_caller(operation)
    upsert = operation.params.get("mode") == "upsert"
    chunk = _Chunk()
    valid: dict[int, ContactCreate] = {}
    for record in steps.read_json_lines(str(event["chunk"]["key"])):
        row, values = int(record["row"]), dict(record["values"])
        chunk.counts["processedRows"] += 1
        problems = record.get("problems")
        if problems:
            for index, (field, issue, value) in enumerate(problems):
                (chunk.failed if index == 0 else chunk.error)(row, field, issue, value)
            continue
        if record.get("duplicateOf"):
            field, earlier = record["duplicateOf"]
            chunk.duplicate(row, field, f"duplicate of row {earlier} in this file", values.get(field, ""))
            continue
        body = _validated(row, values, chunk)
        if body is not None:
            valid[row] = body
    matches = _existing(operation.tenant_id, valid)
    creates: dict[int, ContactWrite] = {}
    for row, body in valid.items():
        match = matches.get(row)
        own_id = contact_id_for(operation.operation_id, row)
        if match and match[1] == own_id:
            chunk.counts["created"] += 1  # written by an earlier attempt of this chunk
        elif match and upsert:
            try:
                _upsert(scope, match[1], body)
                chunk.counts["updated"] += 1
            except Exception as error:  # a contact deleted or changed meanwhile, an email now taken
                chunk.failed(row, match[0], f"could not update contact {match[1]}: {error}", "")
        elif match:
            field, contact_id = match
            value = body.emails[0] if field == "email" else body.phones[0]
            chunk.duplicate(row, field, f"duplicate of existing contact {contact_id}", value)
        else:
            creates[row] = contacts.new_contact_write(scope, body, own_id)
    failed = contact_store.replace_many(list(creates.values()))
    for row, write in creates.items():
        problem = failed.get(write.new.contact_id)
        if problem is None or (isinstance(problem, UniqueValueTaken) and problem.owner_id == write.new.contact_id):
            chunk.counts["created"] += 1
        elif isinstance(problem, StaleVersion):
            chunk.counts["created"] += 1  # the contact with this row's ID exists: an earlier attempt made it
        else:
            taken = problem if isinstance(problem, UniqueValueTaken) else None
            chunk.duplicate(row, "email", f"duplicate of existing contact {taken.owner_id if taken else ''}", "")
    errors_key = steps.scratch_key(operation, steps.chunk_name("errors", number, "csv"))
    steps.put_scratch(errors_key, b"".join(chunk.lines))
    return steps.record(WORKFLOW, operation, event, chunk.counts, file_key=errors_key)


# Finalize --------------------------------------------------------------------------------------


def _first_errors(chunks: list[ChunkResultItem]) -> list[dict[str, Any]]:
    """The first error rows in file order, read from the chunks' error files until there are enough."""
    found: list[dict[str, Any]] = []
    for chunk in chunks:
        if not chunk.error_count:
            continue
        text = b"".join(iter_object(aws.client("s3"), settings().uploads_bucket, str(chunk.file_key)))
        for row, field, issue, value in csv.reader(io.StringIO(text.decode("utf-8"), newline="")):
            found.append({"row": int(row), "field": field, "issue": issue, "value": value.removeprefix("'")})
            if len(found) == INLINE_ERRORS:
                return found
    return found


def finalize(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    chunks = steps.all_chunk_results(operation, int(event["chunks"]))
    totals = steps.summed(chunks)
    report: str | None = None
    if totals.get("errors"):
        report = report_key(operation)
        s3 = aws.client("s3")
        with MultipartWriter(s3, settings().exports_bucket, report, content_type="text/csv; charset=utf-8") as writer:
            writer.write(csv_line(REPORT_HEADER))
            for chunk in chunks:
                for piece in iter_object(s3, settings().uploads_bucket, str(chunk.file_key)):
                    writer.write(piece)
    steps.finish(operation, totals, errors=_first_errors(chunks), error_report_key=report)
    return {"status": "FINISHED"}
