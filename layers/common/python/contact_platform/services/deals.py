"""What deals do beyond CRUD (docs/architecture.md, "Entities"): close one as won or lost. A PATCH
of `status` to `open` reopens it; the server fields follow in `entities/deals.py`."""

from __future__ import annotations

from typing import Any

from contact_platform import errors
from contact_platform.entities import service
from contact_platform.entities.deals import CLOSED, ENTITY
from contact_platform.entities.shapes import shapes
from contact_platform.models.base import Model
from contact_platform.permissions import Caller


def _open(deal: dict[str, Any]) -> None:
    if deal.get("status") in CLOSED:
        raise errors.conflict(f"Deal is already {deal['status']}; reopen it with PATCH status=open first")


def close_deal(caller: Caller, deal_id: str, status: str, lost_reason: str | None, if_match: str | None) -> Model:
    """Mark an open deal won or lost (409 if it is closed already, also when closed concurrently)."""
    change: dict[str, Any] = {"status": status}
    if lost_reason is not None:
        change["lostReason"] = lost_reason
    patch = shapes(ENTITY).patch.model_validate(change)
    return service.update(ENTITY, caller, deal_id, patch, if_match, require=_open)
