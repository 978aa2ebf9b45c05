"""What deals do beyond CRUD (docs/architecture.md, "Entities"): close one as won or lost (a PATCH
of `status` to `open` reopens it; the server fields follow in `entities/deals.py`), and the summary
answered from the tallies every deal write keeps (docs/data-model.md, "Tallies")."""

from __future__ import annotations

from typing import Any

from contact_platform import errors
from contact_platform.entities import reads, service
from contact_platform.entities.deals import CLOSED, ENTITY
from contact_platform.entities.references import Move
from contact_platform.entities.shapes import shapes
from contact_platform.entities.visibility import require_seeing_all
from contact_platform.errors import Detail
from contact_platform.models.base import Model
from contact_platform.models.deals import CurrencyTotal, DealSummary, DealSummaryQuery
from contact_platform.permissions import Caller
from contact_platform.store import keys, tallies
from contact_platform.store import records as record_store


def _open(deal: dict[str, Any]) -> None:
    if deal.get("status") in CLOSED:
        raise errors.conflict(f"Deal is already {deal['status']}; reopen it with PATCH status=open first")


def close_deal(caller: Caller, deal_id: str, status: str, lost_reason: str | None, if_match: str | None) -> Model:
    """Mark an open deal won or lost (409 if it is closed already, also when closed concurrently)."""
    change: dict[str, Any] = {"status": status}
    if lost_reason is not None:
        change["lostReason"] = lost_reason
    patch = shapes(ENTITY).patch.model_validate(change)

    def closing(deal: dict[str, Any]) -> Model:
        _open(deal)
        return patch

    return service.update(ENTITY, caller, deal_id, closing, if_match)


def _readers(caller: Caller, owner_id: str | None) -> list[str]:
    """The tally partitions that add up to what the caller may see (a `user`: shared deals and its own)."""
    if caller.sees_all_records:
        return [f"OWNER#{owner_id}"] if owner_id else ["ALL"]
    if owner_id == caller.user_id:
        return [f"OWNER#{owner_id}"]
    return [f"SHARED#OWNER#{owner_id}"] if owner_id else ["SHARED", f"PRIVATE#{caller.user_id}"]


def deal_summary(caller: Caller, query: DealSummaryQuery) -> DealSummary:
    """Count, value and weighted value per currency: a Query of the tallies (one per group of status,
    stage and currency, not per deal) and one read of the stages' probabilities."""
    prefix = f"{query.status}#" if query.status else ""
    groups: list[tuple[list[str], tallies.Tally]] = []
    for readers in _readers(caller, query.ownerId):
        for tally in tallies.read(keys.deal_tally_pk(caller.tenant_id, readers), prefix):
            status, pipeline, stage, currency = str(tally.sk).split("#")
            if int(tally.records) and query.pipelineId in (None, pipeline) and query.stageId in (None, stage):
                groups.append(([status, stage, currency], tally))
    stages = record_store.get_records(caller.tenant_id, "stage", {stage for (_, stage, _), _ in groups})
    totals: dict[str, CurrencyTotal] = {}
    for (status, stage, currency), tally in groups:
        total = totals.setdefault(currency, CurrencyTotal(currency=currency, count=0, value=0, weightedValue=0))
        probability = float(record_store.data_of(stages[stage]).get("probability", 0)) if stage in stages else 0.0
        weight = {"open": probability, "won": 1.0}.get(status, 0.0)
        total.count += int(tally.records)
        total.value = round(total.value + float(tally.value), 6)
        total.weightedValue = round(total.weightedValue + float(tally.value) * weight, 6)
    ordered = [totals[currency] for currency in sorted(totals)]
    return DealSummary(count=sum(total.count for total in ordered), totals=ordered)


def open_deals(caller: Caller, pipeline_id: str, stage_id: str = "") -> int:
    """How many open deals a pipeline (or one of its stages) holds, from the tallies: one Query."""
    prefix = f"open#{pipeline_id}#" + (f"{stage_id}#" if stage_id else "")
    return sum(int(tally.records) for tally in tallies.read(keys.deal_tally_pk(caller.tenant_id, "ALL"), prefix))


def moving_deals(caller: Caller, target: str, record: dict[str, Any], move_to: str | None) -> list[Move]:
    """What deleting a pipeline or stage does with its deals: without `moveDealsTo`, 409 naming how many
    open deals it holds (closed ones keep naming it); with it, every deal moves to that stage (422 when
    it is missing or would be deleted too). Admins and managers only (403): the count and the move take
    in every deal, those a user may not see too."""
    label = target.capitalize()
    require_seeing_all(caller, f"delete a {target}", "the deals in it are everyone's")
    pipeline_id = record["id"] if target == "pipeline" else record["pipelineId"]
    if move_to is None:
        count = open_deals(caller, pipeline_id, "" if target == "pipeline" else record["id"])
        if count:
            deals = "1 open deal" if count == 1 else f"{count} open deals"
            raise errors.conflict(f"{label} still holds {deals}; move or close them first, or pass ?moveDealsTo=")
        return []
    stage = reads.referenced(caller, "stage", move_to)
    if stage is None:
        raise errors.invalid([Detail("moveDealsTo", "no stage with this id")])
    if move_to == record["id"] or stage.get("pipelineId") == record["id"]:
        issue = f"a stage of the {target} being deleted" if target == "pipeline" else "the stage being deleted"
        raise errors.invalid([Detail("moveDealsTo", issue)])
    values = {"stageId": move_to, "pipelineId": stage["pipelineId"]}
    return [Move(target, record["id"], f"{target}Id", ("deal",), values)]
