"""GET /api/v1/campaigns/{campaignId}/exports: the campaign's exports, newest first unless sorted
otherwise, by page number or cursor."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.campaign_exports import CampaignExport, CampaignExportListQuery
from contact_platform.models.paging import Listing
from contact_platform.services import campaign_exports


@endpoint("list_campaign_exports")
def list_campaign_exports(
    campaignId: str, query: Annotated[CampaignExportListQuery, Query()]
) -> Listing[CampaignExport]:
    return campaign_exports.list_exports(caller(), campaignId, query)


handler = list_campaign_exports.handler
