"""Campaign entries beyond the routes derived from their declaration (entities/campaign_entries.py;
docs/architecture.md, "Campaigns"):

- `create_batch`: up to 500 entries of one campaign, all or none. Every entry is checked first (its
  fields, its contact: one BatchGetItem for all, the same contact twice in the batch, a contact
  entered already: one BatchGetItem of the guards); then the batch is written as the lead migration
  writes its leads (services/lead_batches.py): an import item `writing`, the entries' guards put on
  the condition that their values are free (100 to a transaction; a value taken meanwhile takes
  them back and answers 409), the entries marked `pendingImport` so that no reader counts them
  (store/records.py, `settled`), then one conditional update commits the import and every entry
  appears at once, then the entries' audit entries (`roll_forward`). A batch that dies before its
  commit is never counted; its guards are released by the next write that meets them once its lease
  is over (store/records.release_stale_guard), and the scheduled cleanup marks it aborted. One that
  dies after its commit has its audit entries written by the cleanup (services/cleanup.py).
- the readers the campaign exports are built on: `entry_pages`, `assignment_pages` (one Query a
  page, oldest first, a page's cursor the LastEvaluatedKey) and `contacts_of` (one BatchGetItem for
  the contacts of a page of entries).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Annotated, Any, cast

from pydantic import Field, create_model

from contact_platform import clock, errors
from contact_platform.entities import reads, service
from contact_platform.entities.catalog import entity
from contact_platform.entities.shapes import shapes
from contact_platform.errors import Detail
from contact_platform.ids import new_id, timed_id
from contact_platform.models.base import Input, Model
from contact_platform.models.campaigns import MAX_BATCH_ENTRIES
from contact_platform.permissions import Caller, Role
from contact_platform.store import campaign_codes, contact_reads, keys, lead_migrations, records
from contact_platform.store.lead_migrations import LeadMigrationItem
from contact_platform.store.paging import LastKey, Page
from contact_platform.store.records import RecordFacts, RecordItem
from contact_platform.store.table import put_all

_model = cast(Any, create_model)  # its overloads do not type field definitions built at run time
ENTRY = "campaign_entry"
CAMPAIGN = "campaign"
PAGE_SIZE = 500  # entries or assignments a reader's page asks for (one Query; 1 MB may cut it short)
LEASE = timedelta(seconds=120)  # longer than the route's function may run
WRITERS = 4  # threads putting a batch's entries (store/table.put_all)


@cache
def batch_shapes() -> tuple[type[Model], type[Model]]:
    """The batch's body (`entries`: up to 500 bodies of the one-entry create; a problem is named by its
    position, `entries[3].contactId`) and its answer (`count`, `entries` as created)."""
    entry_shapes = shapes(entity(ENTRY))
    body = _model(
        "CampaignEntryBatch",
        __base__=Input,
        entries=(
            Annotated[
                list[entry_shapes.create],  # type: ignore[name-defined]
                Field(min_length=1, max_length=MAX_BATCH_ENTRIES, description="Up to 500 entries: all or none."),
            ],
            ...,
        ),
    )
    answer = _model(
        "CampaignEntryBatchCreated",
        __base__=Model,
        count=(int, ...),
        entries=(
            list[entry_shapes.public],  # type: ignore[name-defined]
            Field(description="The entries created, in the order sent."),
        ),
    )
    return body, answer


def _campaign(caller: Caller, campaign_id: str) -> None:
    if reads.referenced(caller, CAMPAIGN, campaign_id) is None:
        raise errors.not_found("Campaign")


def _value_key(campaign_id: str, contact_id: str) -> str:
    """The key of an entry's guard: its contact within its campaign (entities/service.py, `_derive`)."""
    return f"{campaign_id}#{contact_id}"


def _checked(caller: Caller, campaign_id: str, sent: list[dict[str, Any]]) -> None:
    """Raises 422 naming each entry's problems (409 when the only ones are contacts entered twice or
    entered already) by its position."""
    tenant = caller.tenant_id
    problems: list[tuple[int, Detail]] = []
    conflicts: list[tuple[int, Detail]] = []
    first: dict[str, int] = {}
    for number, data in enumerate(sent):
        contact_id = data["contactId"]
        if contact_id in first:
            issue = f"the same contact as entries[{first[contact_id]}]"
            conflicts.append((number, Detail(f"entries[{number}].contactId", issue)))
        else:
            first[contact_id] = number
    contacts = contact_reads.contact_facts(tenant, first, fields=("owner_id",))
    for number, data in enumerate(sent):
        found = contacts.get(data["contactId"])
        if found is None or not found.is_active or not caller.may_access(found.owner_id):
            problems.append((number, Detail(f"entries[{number}].contactId", "no contact with this id")))
    declared = entity(ENTRY)
    if declared.checks is not None:
        for number, data in enumerate(sent):
            problems += [
                (number, Detail(f"entries[{number}].{problem.field}", problem.issue))
                for problem in declared.checks(data | {"campaignId": campaign_id}, set(data))
            ]
    value_keys = {_value_key(campaign_id, contact_id): number for contact_id, number in first.items()}
    holders = records.holders_of(tenant, ENTRY, "contactId", value_keys)
    settled = records.record_data(tenant, ENTRY, holders.values(), active_only=False)  # deleted ones too
    now = clock.epoch(clock.now())
    for value_key, holder in holders.items():
        held = settled.get(holder)
        if held is None and records.release_stale_guard(tenant, ENTRY, "contactId", value_key, now=now):
            continue  # left by a batch that never committed
        number = value_keys[value_key]
        issue = f"already used by campaign entry {holder}" if held is not None else "already taken"
        conflicts.append((number, Detail(f"entries[{number}].contactId", issue)))
    if problems:
        details = [detail for _, detail in sorted(problems + conflicts, key=lambda pair: pair[0])]
        raise errors.validation_error("Validation failed: nothing was created", details)
    if conflicts:
        details = [detail for _, detail in sorted(conflicts, key=lambda pair: pair[0])]
        raise errors.conflict("Campaign entry already exists: nothing was created", details)


def create_batch(caller: Caller, campaign_id: str, body: Model) -> Model:
    """Up to 500 entries of the campaign, all or none (the module's docstring): 201 with them."""
    _campaign(caller, campaign_id)
    declared, answer = entity(ENTRY), batch_shapes()[1]
    sent = [entry.model_dump(mode="json", exclude_none=True) for entry in body.entries]  # type: ignore[attr-defined]
    _checked(caller, campaign_id, sent)
    at = clock.now()
    created = clock.iso(at)
    item = lead_migrations.new_import(
        caller.tenant_id,
        timed_id("ceb", at),
        source=f"campaign:{campaign_id}",
        mode=lead_migrations.ENTRY_BATCH,
        state=lead_migrations.REPORTED,
        at=created,
        by=caller.user_id,
        expires_at=None,  # its entries are counted only while it says `committed`
    )
    written: list[RecordItem] = []
    for data in sent:
        fields = data | {"campaignId": campaign_id}
        record = service.prepared(declared, caller, fields, new_id(declared.prefix), created)
        record.pending_import = item.import_id
        written.append(record)
    lease_until = clock.epoch(at + LEASE)
    lead_migrations.begin(
        item, [record.record_id for record in written], now=clock.epoch(at), lease_until=lease_until, locked=False
    )
    guards = [(number, guard) for number, record in enumerate(written) for guard in records.guards_of(record)]
    clash = records.take_guards([guard for _, guard in guards])
    if clash is not None:
        lead_migrations.abort(caller.tenant_id, item.import_id)
        number = guards[clash[0]][0]
        detail = Detail(f"entries[{number}].contactId", "already taken")
        raise errors.conflict("Campaign entry already exists: nothing was created", [detail])
    records.put_written(written, workers=WRITERS)
    actor = {"userId": caller.user_id, "role": str(caller.role), "keyId": caller.key_id, "requestId": caller.request_id}
    report = {"campaignId": campaign_id, "entryIds": [record.record_id for record in written], "actor": actor}
    if not lead_migrations.commit(item, report, locked=False):
        raise errors.conflict("The batch ran out of time and was aborted: nothing was created; send it again")
    roll_forward(item, written)
    entries = [reads.to_api(declared, record) for record in written]
    return answer.model_validate({"count": len(entries), "entries": entries})


def roll_forward(item: LeadMigrationItem, written: list[RecordItem] | None = None) -> None:
    """The audit entries (with their `created` events) of a committed batch, under IDs derived from the
    batch and the entry (putting them again changes nothing), then the batch marked audited; a no-op
    once it is. `written`: its entries, when the request that wrote them rolls forward itself; else
    they are read (the scheduled cleanup settles a batch whose request died after its commit)."""
    if item.state != lead_migrations.COMMITTED or item.audited:
        return
    declared, report = entity(ENTRY), lead_migrations.unpack(item)
    actor = report["actor"]
    caller = Caller(
        item.tenant_id, actor["userId"], Role(actor["role"]), frozenset(), actor["keyId"], actor["requestId"]
    )
    if written is None:
        written = list(records.get_records(item.tenant_id, ENTRY, item.lead_ids).values())
    audits = [
        service.created_audit(declared, caller, record, f"{item.import_id}#{record.record_id}") for record in written
    ]
    put_all(audits, workers=WRITERS)
    lead_migrations.mark_audited(item)


# Readers for the exports ------------------------------------------------------------------------


@cache
def _entry_fields() -> tuple[str, ...]:
    return tuple(shapes(entity(ENTRY)).public.model_fields)


def entry_of(record: RecordItem | RecordFacts) -> dict[str, Any]:
    """An entry as the API returns it (`GET /campaign-entries/{entryId}`, JSON types), built without
    the response model (an export reads 100,000 of them)."""
    data = record.data if isinstance(record, RecordFacts) else records.data_of(record)
    return {
        **dict.fromkeys(_entry_fields()),
        **{name: float(value) if name == "score" and value is not None else value for name, value in data.items()},
        "id": record.record_id,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "version": int(record.version),
    }


def entry_page(tenant_id: str, campaign_id: str, start: LastKey | None, *, limit: int) -> Page[RecordFacts]:
    """One Query of the campaign's active entries, oldest first (createdAt, then ID), each with the key
    that resumes right after it; deleted entries and those of a batch not committed are left out, so
    a page may be short while its LastEvaluatedKey is set."""
    partition = keys.record_link_collection(tenant_id, ENTRY, "campaignId", campaign_id)
    return records.index_facts("GSI1", partition, limit=limit, start=start)


def entry_pages(
    tenant_id: str, campaign_id: str, start_cursor: LastKey | None = None, *, limit: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], LastKey | None]:
    """One page of the campaign's active entries as the API returns them (`entry_page`), and the
    cursor of the next page (None: the last page)."""
    page = entry_page(tenant_id, campaign_id, start_cursor, limit=limit)
    return [entry_of(facts) for facts in page.items], page.last_key


def assignment_pages(
    tenant_id: str,
    campaign_id: str,
    date_key: str | None = None,
    start_cursor: LastKey | None = None,
    *,
    limit: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], LastKey | None]:
    """One page of the campaign's code assignments (of one wave's `date_key`, or all), oldest first,
    and the cursor of the next page (None: the last page). One Query."""
    page = campaign_codes.assignment_page(tenant_id, campaign_id, date_key, limit=limit, start=start_cursor)
    return [campaign_codes.as_api(item) for item in page.items], page.last_key


def contacts_of(tenant_id: str, contact_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The active contacts among `contact_ids` (those of a page of entries): contact ID -> `contactId`,
    `name`, `firstName`, `lastName`, `email` and `phone` (the first of each, or None). One
    BatchGetItem per 100 IDs, projected to these attributes; a deleted contact is absent."""
    found = contact_reads.contact_values(tenant_id, contact_ids, ("firstName", "lastName", "name", "emails", "phones"))
    return {
        contact_id: {
            "contactId": contact_id,
            "name": values.get("name"),
            "firstName": values.get("firstName"),
            "lastName": values.get("lastName"),
            "email": next(iter(values.get("emails") or []), None),
            "phone": next(iter(values.get("phones") or []), None),
        }
        for contact_id, values in found.items()
    }
