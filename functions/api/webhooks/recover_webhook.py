"""POST /api/v1/webhooks/{webhookId}/recover: the events since a moment that the webhook subscribes to
and has not received (it was disabled, or their deliveries failed), sent to it; one page of events a
call, the next from `nextCursor`."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import WebhookRecover, WebhookRecovered
from contact_platform.services import webhook_deliveries


@endpoint("recover_webhook")
def recover_webhook(webhookId: str, body: WebhookRecover) -> WebhookRecovered:
    return webhook_deliveries.recover(caller(), webhookId, body)


handler = recover_webhook.handler
