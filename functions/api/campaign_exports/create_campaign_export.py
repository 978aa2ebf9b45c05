"""POST /api/v1/campaigns/{campaignId}/exports: queue an export of one of the declared types (201),
or answer the one of the same type and day already queued or running (200)."""

from contact_platform.http.endpoint import WithStatus, caller, endpoint
from contact_platform.models.campaign_exports import CampaignExport, CampaignExportCreate
from contact_platform.services import campaign_exports


@endpoint("create_campaign_export")
def create_campaign_export(campaignId: str, body: CampaignExportCreate) -> WithStatus[CampaignExport]:
    export, created = campaign_exports.create_export(caller(), campaignId, body)
    return WithStatus(export, 201 if created else 200)


handler = create_campaign_export.handler
