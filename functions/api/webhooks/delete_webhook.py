"""DELETE /api/v1/webhooks/{webhookId}: delete a webhook (its slot of the tenant's 25 is free at once);
honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.webhooks import WebhookDeleted
from contact_platform.services import webhooks


@endpoint("delete_webhook")
def delete_webhook(webhookId: str, if_match: IfMatch = None) -> WebhookDeleted:
    return webhooks.delete_webhook(caller(), webhookId, if_match)


handler = delete_webhook.handler
