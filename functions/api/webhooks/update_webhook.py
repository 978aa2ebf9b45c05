"""PATCH /api/v1/webhooks/{webhookId}: change event, target URL, description or active; honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.webhooks import Webhook, WebhookPatch
from contact_platform.services import webhooks


@endpoint("update_webhook")
def update_webhook(webhookId: str, body: WebhookPatch, if_match: IfMatch = None) -> Webhook:
    return webhooks.update_webhook(caller(), webhookId, body, if_match)


handler = update_webhook.handler
