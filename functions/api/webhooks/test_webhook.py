"""POST /api/v1/webhooks/{webhookId}/test: a `webhook.test` event to this webhook, delivered like
any event; 202 with the delivery to follow (409 while the webhook is disabled)."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import Delivery
from contact_platform.services import webhook_deliveries


@endpoint("test_webhook")
def test_webhook(webhookId: str) -> Delivery:
    return webhook_deliveries.send_test(caller(), webhookId)


handler = test_webhook.handler
