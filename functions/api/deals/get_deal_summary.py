"""GET /api/v1/deals/summary: count, value and weighted value per currency, from counters kept with
every deal write (its cost does not grow with the number of deals)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.deals import DealSummary, DealSummaryQuery
from contact_platform.services import deals


@endpoint("get_deal_summary")
def get_deal_summary(query: Annotated[DealSummaryQuery, Query()]) -> DealSummary:
    return deals.deal_summary(caller(), query)


handler = get_deal_summary.handler
