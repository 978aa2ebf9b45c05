"""DELETE /api/v1/webhooks/{webhookId}: delete a webhook (its slot of the tenant's 25 is free at once)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import WebhookDeleted
from contact_platform.services import webhooks


@endpoint("delete_webhook")
def delete_webhook(webhookId: str) -> WebhookDeleted:
    return webhooks.delete_webhook(caller(), webhookId)


handler = delete_webhook.handler
