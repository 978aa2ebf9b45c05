"""POST /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver: a succeeded or failed
delivery's event again, with a new round of attempts; 409 while it is pending."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import Delivery
from contact_platform.services import webhook_deliveries


@endpoint("redeliver_webhook_delivery")
def redeliver_webhook_delivery(webhookId: str, deliveryId: str) -> Delivery:
    return webhook_deliveries.redeliver(caller(), webhookId, deliveryId)


handler = redeliver_webhook_delivery.handler
