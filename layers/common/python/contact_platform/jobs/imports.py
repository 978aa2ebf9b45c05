"""The import job.

- plan (jobs/import_plan.py): the CSV into chunk files and each chunk's in-file duplicates, in a
  loop of bounded invocations.
- process_chunk: the rows the plan found repeating an earlier row are skipped ("duplicate of row N
  in this file"); in slices of PROGRESS_ROWS rows, check each row (a name plus an email or a phone;
  formats), link it to its organization (by `organizationId`, or by the company column's name,
  creating the organization when missing), find existing contacts by normalized email, then
  phone; skip or update them (mode), create the rest in grouped transactions; then record the
  rows done (`processedRows` moves).
  New contacts get IDs derived from operation and row, so a retried chunk creates no duplicates.
- finalize: sum the counts, merge the chunks' error rows into one CSV report, keep the first 100 inline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from contact_platform import aws
from contact_platform.config import settings
from contact_platform.files.csv_writing import csv_line, unguard_cell
from contact_platform.files.s3_files import MultipartWriter, iter_object
from contact_platform.ids import derived_id
from contact_platform.jobs import steps
from contact_platform.jobs.import_plan import dups_key
from contact_platform.jobs.import_rows import ChunkReport, company, validated
from contact_platform.models.contacts import ContactCreate, ContactPatch
from contact_platform.permissions import Caller
from contact_platform.services import contacts, operations, organization_links, search_terms
from contact_platform.store import contacts as contact_store
from contact_platform.store.contacts import ContactItem, ContactWrite
from contact_platform.store.errors import StaleVersion, TagUnavailable, UniqueValueTaken
from contact_platform.store.operations import ChunkResultItem, OperationItem

WORKFLOW = "imports"
INLINE_ERRORS = 100
PROGRESS_ROWS = 250  # a chunk records its progress after every so many rows
REPORT_HEADER = ["row", "field", "issue", "value"]


def report_key(operation: OperationItem) -> str:
    return f"tenants/{operation.tenant_id}/import-reports/{operation.operation_id}-errors.csv"


def contact_id_for(operation_id: str, row: int) -> str:
    """The same operation and row always give the same contact ID (idempotent chunks)."""
    return derived_id("con", f"{operation_id}#{row}")


# Process a chunk -------------------------------------------------------------------------------


def _existing(tenant_id: str, valid: dict[int, ContactCreate]) -> dict[int, tuple[str, str]]:
    """Row -> (matched field, contact ID) for rows matching an active contact: by email, then phone
    (a few BatchGetItems for the whole slice: store/contacts.py, contacts_by_email and _by_phone)."""
    email_of = {row: search_terms.email_key(body.emails[0]) for row, body in valid.items() if body.emails}
    by_email = contact_store.contacts_by_email(tenant_id, email_of.values())
    matches = {row: ("email", by_email[email]) for row, email in email_of.items() if email in by_email}
    phone_of = {
        row: search_terms.phone_key(body.phones[0]) for row, body in valid.items() if row not in matches and body.phones
    }
    by_phone = contact_store.contacts_by_phone(tenant_id, [phone for phone in phone_of.values() if phone])
    matches.update({row: ("phone", by_phone[phone]) for row, phone in phone_of.items() if phone in by_phone})
    return matches


def taken(field: str) -> str:
    """A row's email or phone belongs to a contact the importer may not read: say so without naming it
    (docs/architecture.md, API conventions: a uniqueness conflict names only what the caller may read)."""
    return f"the {field} is already taken by another contact"


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
    if body.organizationId:
        patch["organizationId"] = body.organizationId
    if body.customFields:
        patch["customFields"] = {**contacts.plain_map(item.custom_fields), **body.customFields}
    contacts.update_contact(scope, contact_id, ContactPatch.model_validate(patch), None)


def _slices(records: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _checked(
    records: list[dict[str, Any]], duplicates: dict[int, tuple[str, int]], chunk: ChunkReport, companies: dict[int, str]
) -> dict[int, ContactCreate]:
    """Row -> contact to write, for the rows without problems that repeat no earlier row of the file
    (`duplicates`: row -> field and earlier row; their company names into `companies`); the others
    become error rows."""
    valid: dict[int, ContactCreate] = {}
    for record in records:
        row, values = int(record["row"]), dict(record["values"])
        chunk.counts["processedRows"] += 1
        problems = record.get("problems")
        if problems:
            for index, (field, issue, value) in enumerate(problems):
                (chunk.failed if index == 0 else chunk.error)(row, field, issue, value)
            continue
        if row in duplicates:
            field, earlier = duplicates[row]
            chunk.duplicate(row, field, f"duplicate of row {earlier} in this file", values.get(field, ""))
            continue
        body = validated(row, values, chunk)
        if body is not None:
            valid[row] = body
            name = company(values)
            if name:
                companies[row] = name
    return valid


def _linked(
    operation: OperationItem,
    scope: Caller,
    valid: dict[int, ContactCreate],
    companies: dict[int, str],
    chunk: ChunkReport,
) -> set[int]:
    """Each row's organization: the one its `organizationId` names, else the one its company column
    names, created when missing (another tenant's export carries both). Rows naming none the
    importer sees become errors. Returns the rows linked by their company's name."""
    named_ids = {body.organizationId for body in valid.values() if body.organizationId}
    unknown = organization_links.unknown_organizations(scope, named_ids) if named_ids else set()
    for row in [row for row, body in valid.items() if body.organizationId in unknown]:
        if row in companies:
            valid[row] = valid[row].model_copy(update={"organizationId": None})
        else:
            chunk.failed(row, "organizationId", organization_links.NO_ORGANIZATION, str(valid.pop(row).organizationId))
    named = {row: name for row, name in companies.items() if row in valid and not valid[row].organizationId}
    if not named:
        return set()
    found, created = organization_links.organizations_named(
        scope, [named[row] for row in sorted(named)], operation.operation_id
    )
    chunk.counts["organizationsCreated"] += created
    for row, name in named.items():
        organization_id = found[search_terms.fold(name)]
        if organization_id is None:
            chunk.failed(row, "company", "the name is taken by an organization you may not see", name)
            del valid[row]
        else:
            valid[row] = valid[row].model_copy(update={"organizationId": organization_id})
    return {row for row in named if row in valid}


def _write(
    operation: OperationItem,
    scope: Caller,
    valid: dict[int, ContactCreate],
    companies: dict[int, str],
    chunk: ChunkReport,
) -> None:
    """Skip, update or create the checked rows of one slice (lookups and writes grouped per slice)."""
    upsert = operation.params.get("mode") == "upsert"
    linking = _linked(operation, scope, valid, companies, chunk)
    matches = _existing(operation.tenant_id, valid)
    visible = contacts.readable_ids(scope, [contact_id for _, contact_id in matches.values()])
    creates: dict[int, ContactWrite] = {}
    earlier: list[str] = []  # contacts an earlier attempt of this chunk created
    for row, body in valid.items():
        match = matches.get(row)
        own_id = contact_id_for(operation.operation_id, row)
        if match and match[1] == own_id:
            earlier.append(own_id)
            chunk.counts["created"] += 1
            chunk.counts["organizationsLinked"] += 1 if row in linking else 0
        elif match and match[1] not in visible:
            field = match[0]
            chunk.duplicate(row, field, taken(field), body.emails[0] if field == "email" else body.phones[0])
        elif match and upsert:
            try:
                _upsert(scope, match[1], body)
                chunk.counts["updated"] += 1
                chunk.counts["organizationsLinked"] += 1 if row in linking else 0
            except Exception as error:  # a contact deleted or changed meanwhile, an email now taken
                chunk.failed(row, match[0], f"could not update contact {match[1]}: {error}", "")
        elif match:
            field, contact_id = match
            value = body.emails[0] if field == "email" else body.phones[0]
            chunk.duplicate(row, field, f"duplicate of existing contact {contact_id}", value)
        else:
            creates[row] = contacts.new_contact_write(scope, body, own_id)
    failed = contact_store.replace_many(list(creates.values()), index_entries=False)
    for row, write in creates.items():
        problem = failed.get(write.new.contact_id)
        mine = problem is None or (isinstance(problem, UniqueValueTaken) and problem.owner_id == write.new.contact_id)
        if problem is not None and (mine or isinstance(problem, StaleVersion)):
            earlier.append(write.new.contact_id)  # stale: an earlier attempt made the contact of this row's ID
        if mine or isinstance(problem, StaleVersion):
            chunk.counts["created"] += 1
            chunk.counts["organizationsLinked"] += 1 if row in linking else 0
        elif isinstance(problem, TagUnavailable):
            chunk.failed(row, "tags", f"the tag {problem.name} is being deleted or renamed", problem.name)
        else:
            holder = problem.owner_id if isinstance(problem, UniqueValueTaken) else ""
            shown = holder in contacts.readable_ids(scope, [holder]) if holder else False
            chunk.duplicate(row, "email", f"duplicate of existing contact {holder}" if shown else taken("email"), "")
    written = [write.new for write in creates.values() if write.new.contact_id not in failed]
    _put_index_entries(operation, written, earlier)


def _put_index_entries(operation: OperationItem, created: list[ContactItem], earlier: list[str]) -> None:
    """The search items and phone hints of the slice's new contacts, which their transactions left
    out, and again those of the contacts an earlier attempt created (it may have stopped between
    the two); the contacts as stored, in case they changed since."""
    steps.fault_point(WORKFLOW, "index_entries", f"{operation.operation_id}#{created[0].contact_id if created else ''}")
    again = contact_store.get_contacts(operation.tenant_id, earlier).values() if earlier else []
    contact_store.put_index_entries([*created, *(contact for contact in again if contact.is_active)])


def _file_duplicates(operation: OperationItem, number: int) -> dict[int, tuple[str, int]]:
    """Row -> (field, earlier row) for the chunk's rows that repeat an earlier row of the file (the
    plan's duplicates file of the chunk; none without one)."""
    try:
        return {
            int(row): (str(field), int(earlier))
            for row, field, earlier in steps.read_json_lines(dups_key(operation, number))
        }
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return {}
        raise


def process_chunk(operation: OperationItem, event: steps.Event) -> dict[str, Any]:
    """The chunk's rows in slices of PROGRESS_ROWS: each slice is checked and written, then the rows
    done so far are recorded as the chunk's progress (one UpdateItem a slice)."""
    if steps.recorded(operation, event) is not None:
        return {"chunk": int(event["chunk"]["chunk"])}
    number = int(event["chunk"]["chunk"])
    steps.fault_point(WORKFLOW, "write_rows", f"{operation.operation_id}#{number}", chunk=number)
    scope = operations.acting_caller(operation)
    chunk = ChunkReport()
    duplicates = _file_duplicates(operation, number)
    for records in _slices(steps.read_json_lines(str(event["chunk"]["key"])), PROGRESS_ROWS):
        companies: dict[int, str] = {}
        _write(operation, scope, _checked(records, duplicates, chunk, companies), companies, chunk)
        steps.progress(operation, number, chunk.counts["processedRows"])
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
            found.append({"row": int(row), "field": field, "issue": issue, "value": unguard_cell(value)})
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
