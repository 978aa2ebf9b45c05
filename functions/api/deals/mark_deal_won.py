"""POST /api/v1/deals/{dealId}/won: close an open deal as won (409 if it is closed already)."""

from contact_platform.entities.deals import ENTITY
from contact_platform.entities.shapes import shapes
from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.services import deals

Deal = shapes(ENTITY).public


@endpoint("mark_deal_won")
def mark_deal_won(dealId: str, if_match: IfMatch = None) -> Deal:  # type: ignore[valid-type]
    return deals.close_deal(caller(), dealId, "won", None, if_match)


handler = mark_deal_won.handler
