"""Deals: a sale in a stage of a pipeline, open until won or lost. The server sets `stageChangedAt`,
`wonAt`, `lostAt` and `closedAt`; `POST /deals/{dealId}/won` and `/lost` close a deal and a PATCH of
`status` to `open` reopens it (services/deals.py)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.errors import ApiError, Detail
from contact_platform.models.deals import DealStatus
from contact_platform.models.fields import (
    Amount,
    ContactId,
    Currency,
    CustomFields,
    IsoDate,
    OrganizationId,
    PipelineId,
    StageId,
    text,
)
from contact_platform.store import keys
from contact_platform.store.tallies import Increment

CLOSED = ("won", "lost")


class DealFields(Fields):
    title: text(200)  # type: ignore[valid-type]
    value: Annotated[Amount, Field(description="What the deal is worth, at least 0.")] = 0.0
    currency: Annotated[Currency, Field(description="ISO 4217 code of the value.")] = "EUR"
    status: DealStatus = "open"
    lostReason: Annotated[text(500) | None, Field(description="Kept while the deal is lost.")] = None  # type: ignore[valid-type]
    pipelineId: Annotated[
        PipelineId,
        Field(description="The pipeline of the deal's stage (a write that leaves it out takes the stage's)."),
    ]
    stageId: Annotated[
        StageId | None,
        Field(description="A stage of the deal's pipeline; a create that gives only the pipeline: its first stage."),
    ] = None
    organizationId: OrganizationId | None = None
    contactId: ContactId | None = None
    expectedCloseDate: IsoDate | None = None
    customFields: CustomFields = {}


def _server_fields(before: dict[str, Any] | None, after: dict[str, Any], now: str) -> dict[str, Any]:
    """When the deal entered its stage, and when it was won or lost (kept while it stays so); a deal
    that is open again has neither, nor a lost reason. A new deal has no products (0, not null: its
    products' rollup counts from there)."""

    def kept(field: str, unchanged: bool) -> str:
        return str(before.get(field)) if before is not None and unchanged and before.get(field) else now

    moved = before is None or before.get("stageId") != after.get("stageId")
    fields: dict[str, Any] = {"stageChangedAt": kept("stageChangedAt", not moved)}
    if before is None:
        fields["productCount"] = 0
    status = after.get("status")
    same = before is not None and before.get("status") == status
    fields["wonAt"] = kept("wonAt", same) if status == "won" else None
    fields["lostAt"] = kept("lostAt", same) if status == "lost" else None
    fields["closedAt"] = fields["wonAt"] or fields["lostAt"]
    if status != "lost":
        fields["lostReason"] = None
    return fields


def _first_stage(caller: Any, sent: dict[str, Any]) -> dict[str, Any]:
    """A deal created with its pipeline but no stage goes into the pipeline's first stage (by
    `order`; one Query), as Pipedrive's do; none when the pipeline has no stage or is not the caller's."""
    if sent.get("stageId") or not sent.get("pipelineId"):
        return {}
    from contact_platform.entities.stages import stage_at_end

    try:
        first = stage_at_end(caller, str(sent["pipelineId"]))
    except ApiError:  # no such pipeline: the reference check says so
        return {}
    return {"stageId": first.id} if first is not None else {}


def _rules(deal: dict[str, Any], changed: set[str], *, unknown: frozenset[str] = frozenset()) -> list[Detail]:
    """A deal is in a stage; with products, its value is their sum, in the currency their prices are in.
    Never asked about a body with field errors: its stage may come from `defaults`, which read."""
    problems = []
    if deal.get("stageId") is None:
        if "stageId" in changed:
            issue = "required; may not be null"
        elif deal.get("pipelineId") is not None:
            issue = "required: no stage of that pipeline to put the deal in"
        else:
            issue = "required, or a pipelineId (its first stage)"
        problems.append(Detail("stageId", issue))
    return problems + _set_by_products(deal, changed)


def _set_by_products(deal: dict[str, Any], changed: set[str]) -> list[Detail]:
    """A deal with products: its value is their sum, in the currency their prices are in."""
    if not deal.get("productCount"):
        return []
    problems = []
    if "value" in changed:
        problems.append(Detail("value", "the sum of the deal's products while it has any; change those instead"))
    if "currency" in changed:
        problems.append(Detail("currency", "the deal's products are priced in it; remove them first"))
    return problems


def _shares(tenant_id: str, deal: dict[str, Any] | None, sign: int) -> list[Increment]:
    """The deal's share (one deal, its value) in the summary's tallies of everyone who may read it."""
    if deal is None:
        return []
    group = f"{deal['status']}#{deal['pipelineId']}#{deal['stageId']}#{deal['currency']}"
    owner = deal["ownerId"]
    shared = deal.get("visibleTo") == "everyone"
    readers = ["ALL", f"OWNER#{owner}", *(("SHARED", f"SHARED#OWNER#{owner}") if shared else (f"PRIVATE#{owner}",))]
    value = sign * float(deal.get("value", 0))
    return [Increment(keys.deal_tally_pk(tenant_id, reader), group, sign, value) for reader in readers]


def _tallies(tenant_id: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Increment]:
    """The summary's counters (services/deals.py, `deal_summary`): the old share out, the new in."""
    return [*_shares(tenant_id, before, -1), *_shares(tenant_id, after, 1)]


def _event(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """A deal that closes is `deal.won` or `deal.lost`, not merely updated."""
    status = after.get("status")
    return str(status) if status in CLOSED and before.get("status") != status else None


ENTITY = Entity(
    "deal",
    "deal",
    DealFields,
    label="Deal",
    search=("title",),
    filters=("organizationId", "contactId", "pipelineId", "stageId", "status", "currency"),
    ranges={"value": ("valueMin", "valueMax")},
    sort=("value", "expectedCloseDate", "title"),
    link="stageId",
    references={
        "pipelineId": "pipeline",
        "stageId": "stage",
        "organizationId": "organization",
        "contactId": "contact",
    },
    within={"stageId": "pipelineId"},
    inherit={"pipelineId": ("stageId", "pipelineId")},  # a stage names its pipeline: moving there moves the deal
    checks=_rules,
    defaults=_first_stage,
    server_fields={
        "stageChangedAt": str,
        "wonAt": str,
        "lostAt": str,
        "closedAt": str,
        "productCount": int,  # products on the deal (entities/deal_products.py): its value is their sum
    },
    on_write=_server_fields,
    tallies=_tallies,
    events=CLOSED,
    event=_event,
    summary="A sale in a stage of a pipeline: open, won or lost.",
    example={
        "title": "CRM Einführung",
        "value": 25000,
        "currency": "EUR",
        "pipelineId": "pipe_001",
        "stageId": "stage_001",
        "expectedCloseDate": "2026-06-30",
    },
)
