"""GET /api/v1/campaigns/{campaignId}/exports/{exportId}: status, count and, once FINISHED, the file's
URL signed now (`path`), or for one file per market the prefix (`key`) and the files."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.campaign_exports import CampaignExport
from contact_platform.services import campaign_exports


@endpoint("get_campaign_export")
def get_campaign_export(campaignId: str, exportId: str) -> CampaignExport:
    return campaign_exports.get_export(caller(), campaignId, exportId)


handler = get_campaign_export.handler
