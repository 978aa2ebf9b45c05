"""POST /api/v1/campaigns/{campaignId}/entries/batch: up to 500 entries, all or none; 201 with them,
or 422/409 naming each entry's problem by its position (`entries[3].contactId`) and nothing written."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.services import campaign_entries

Batch, Created = campaign_entries.batch_shapes()


@endpoint("create_campaign_entry_batch")
def create_campaign_entry_batch(campaignId: str, body: Batch) -> Created:  # type: ignore[valid-type]
    return campaign_entries.create_batch(caller(), campaignId, body)


handler = create_campaign_entry_batch.handler
