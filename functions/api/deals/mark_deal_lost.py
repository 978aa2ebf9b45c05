"""POST /api/v1/deals/{dealId}/lost: close an open deal as lost, with an optional `lostReason`."""

from typing import Annotated

from contact_platform.entities.deals import ENTITY
from contact_platform.entities.shapes import shapes
from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Body, IfMatch
from contact_platform.models.deals import DealLost
from contact_platform.services import deals

Deal = shapes(ENTITY).public


@endpoint("mark_deal_lost")
def mark_deal_lost(
    dealId: str,
    body: Annotated[DealLost | None, Body()] = None,
    if_match: IfMatch = None,
) -> Deal:  # type: ignore[valid-type]
    return deals.close_deal(caller(), dealId, "lost", body.lostReason if body else None, if_match)


handler = mark_deal_lost.handler
