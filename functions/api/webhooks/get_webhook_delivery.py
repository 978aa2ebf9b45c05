"""GET /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}: one delivery and its attempts."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import Delivery
from contact_platform.services import webhook_deliveries


@endpoint("get_webhook_delivery")
def get_webhook_delivery(webhookId: str, deliveryId: str) -> Delivery:
    return webhook_deliveries.get_delivery(caller(), webhookId, deliveryId)


handler = get_webhook_delivery.handler
