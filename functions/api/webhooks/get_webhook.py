"""GET /api/v1/webhooks/{webhookId}: one webhook (never its secret)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import Webhook
from contact_platform.services import webhooks


@endpoint("get_webhook")
def get_webhook(webhookId: str) -> Webhook:
    return webhooks.get_webhook(caller(), webhookId)


handler = get_webhook.handler
