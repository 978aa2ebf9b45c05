"""Campaign exports (docs/architecture.md, "Campaign exports"): queue one of the declared types for
a campaign (the one already queued or running when there is one), read it with its file's URL signed
at read time, list a campaign's exports, and erase a user's exports under the CCPA."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contact_platform import aws, clock, errors
from contact_platform.campaign_export_types import EXPORT_TYPES, ExportType
from contact_platform.config import EXPORT_FILE_DAYS, settings
from contact_platform.entities.catalog import entity
from contact_platform.entities.reads import found
from contact_platform.models.campaign_exports import (
    CampaignExport,
    CampaignExportCreate,
    CampaignExportListQuery,
    ErasureAnswer,
    ExportDate,
)
from contact_platform.models.paging import Listing
from contact_platform.permissions import Caller
from contact_platform.services import audit, operations
from contact_platform.services.exports import is_expired
from contact_platform.services.listing import listing
from contact_platform.store import campaign_exports as store
from contact_platform.store import operations as operation_store
from contact_platform.store import records as record_store
from contact_platform.store.operations import OperationItem
from contact_platform.store.table import put_all

JOB = store.JOB
ERASED = "User exports deleted successfully"
# A request that finds the slot released between its write and its read asks again, at most this often.
QUEUE_ATTEMPTS = 3


def export_type(operation: OperationItem) -> ExportType:
    return EXPORT_TYPES[str(operation.params["exportType"])]


def campaign_of(caller: Caller, campaign_id: str) -> dict[str, Any]:
    """The campaign's fields, or 404 for one the caller may not see."""
    return record_store.data_of(found(entity("campaign"), caller, campaign_id))


def create_export(caller: Caller, campaign_id: str, body: CampaignExportCreate) -> tuple[CampaignExport, bool]:
    """The new export (True), or the one of the same type and day queued or running (False)."""
    campaign = campaign_of(caller, campaign_id)
    params = {
        "campaignId": campaign_id,
        "exportType": body.exportType,
        "dateKey": body.dateKey,
        "includeAllMarkets": body.includeAllMarkets,
    }
    for _ in range(QUEUE_ATTEMPTS):
        operation = operations.new_operation(caller, JOB, params)
        store.indexed(operation, campaign_id, body.exportType, body.dateKey)
        entry = audit.entry(
            caller,
            entity_type="operation",
            entity_id=operation.operation_id,
            action="campaign_export.requested",
            at=clock.now(),
            changed=[],
        )
        holder = store.queue(operation, entry)
        if holder is None:
            operations.count_export(operation, operation.status)
            operations.start_execution(operation)
            return view(operation, campaign), True
        queued = operation_store.get(caller.tenant_id, holder) if holder else None
        if queued is not None and queued.status in (operation_store.PENDING, operation_store.TRIGGERED):
            return view(queued, campaign), False
    raise errors.conflict("The export was queued and ended meanwhile several times; send the request again")


def file_name(operation: OperationItem) -> str:
    return f"{operation.params['exportType']}-{operation.operation_id}.csv"


def view(operation: OperationItem, campaign: dict[str, Any] | None) -> CampaignExport:
    """The export as its GET returns it: `path` signed now, for a single file FINISHED and not expired."""
    declared = export_type(operation)
    status = operation.status
    now = clock.now()
    if is_expired(operation, clock.iso(now)):
        status = operation_store.EXPIRED
    finished = status == operation_store.FINISHED
    path = None
    if finished and operation.file_key and not declared.per_market:
        bucket = settings().bucket(declared.destination)
        path = aws.download_url(bucket, operation.file_key, file_name(operation), settings().download_url_seconds)
    count = (operation.result or {}).get("rowCount")
    return CampaignExport(
        id=operation.operation_id,
        exportType=declared.name,
        campaignId=str(operation.params["campaignId"]),
        campaignName=campaign.get("name") if campaign else None,
        date=ExportDate(created=operation.created_at),
        status=status,
        requesterUserId=operation.requested_by,
        failureReason=operation.failure_reason,
        path=path,
        key=operation.file_key,
        files=list((operation.result or {}).get("files") or []) if finished and declared.per_market else None,
        count=int(count) if finished and count is not None else None,
        dateKey=operation.params.get("dateKey"),
        includeAllMarkets=bool(operation.params.get("includeAllMarkets")),
    )


def campaign_of_export(operation: OperationItem) -> dict[str, Any] | None:
    """The fields of the export's campaign, None once it is deleted (one BatchGetItem)."""
    campaign_id = str(operation.params["campaignId"])
    found = record_store.get_records(operation.tenant_id, "campaign", [campaign_id]).get(campaign_id)
    return record_store.data_of(found) if found is not None and found.is_active else None


def event_view(operation: OperationItem) -> CampaignExport:
    """The export as its GET returns it, for its `campaign_export.finished` event: without the signed
    `path` (stale by the time the event is read)."""
    return view(operation, campaign_of_export(operation)).model_copy(update={"path": None})


def _campaign_export(caller: Caller, campaign_id: str, export_id: str) -> OperationItem:
    operation = operation_store.get(caller.tenant_id, export_id)
    if operation is None or operation.job != JOB or operation.params.get("campaignId") != campaign_id:
        raise errors.not_found("Export")
    return operation


def get_export(caller: Caller, campaign_id: str, export_id: str) -> CampaignExport:
    campaign = campaign_of(caller, campaign_id)
    return view(_campaign_export(caller, campaign_id, export_id), campaign)


def list_exports(caller: Caller, campaign_id: str, query: CampaignExportListQuery) -> Listing[CampaignExport]:
    campaign = campaign_of(caller, campaign_id)
    wanted = query.exportType

    def keep(item: OperationItem) -> bool:
        return wanted is None or item.params.get("exportType") == wanted

    return listing(
        lambda size, start: store.list_page(
            caller.tenant_id,
            campaign_id,
            sort=query.sort,
            forward=query.sortOrder == "asc",
            export_type=wanted,
            limit=size,
            start=start,
        ),
        lambda item: view(item, campaign),
        binding=f"campaign-exports|{caller.tenant_id}|{campaign_id}|{query.sort}|{query.sortOrder}|{wanted}",
        limit=query.limit,
        cursor=query.cursor,
        keep=None if wanted is None or query.sort == "exportType" else keep,
        page_number=query.page,
    )


# Files and the CCPA ---------------------------------------------------------------------------------


def stored_files(operation: OperationItem) -> tuple[str, list[str]]:
    """The bucket of the export's files and their keys (none before it has finished)."""
    declared = export_type(operation)
    bucket = settings().bucket(declared.destination)
    if declared.per_market:
        return bucket, list((operation.result or {}).get("files") or [])
    return bucket, [operation.file_key] if operation.file_key else []


def file_retention(declared: ExportType) -> timedelta | None:
    """How long a file stays (the exports bucket's); a file handed to another bucket is its owner's."""
    return timedelta(days=EXPORT_FILE_DAYS) if declared.destination == "exports" else None


def erase_user_exports(caller: Caller, user_id: str) -> ErasureAnswer:
    """Delete every export `user_id` requested, in any tenant, files and records, but those of the
    types kept on erasure; one audit entry in the caller's tenant and one in each tenant touched.
    Asked again, it finds nothing more to delete and says the same."""
    erased: dict[str, list[str]] = {}
    for operation in store.requested_by(user_id):
        if operation.job != JOB or export_type(operation).kept_on_erasure:
            continue
        if operation.status not in operation_store.ENDED:
            operations.fail(operation, "Erased at the request of a CCPA deletion")
        bucket, files = stored_files(operation)
        if files:
            aws.client("s3").delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in files]})
        store.delete(operation)
        erased.setdefault(operation.tenant_id, []).append(operation.operation_id)
    now = clock.now()
    entries = [
        audit.item(
            tenant_id=tenant_id,
            entity_type="user",
            entity_id=user_id,
            action="ccpa.user_exports_deleted",
            actor_user_id=caller.user_id,
            actor_key_id=caller.key_id or None,
            request_id=caller.request_id,
            at=now,
            changed_fields=[],
            details={"erasedExportIds": erased.get(tenant_id, []), "tenantsTouched": len(erased)},
        )
        for tenant_id in sorted({caller.tenant_id, *erased})
    ]
    put_all(entries)
    return ErasureAnswer(message=ERASED)
