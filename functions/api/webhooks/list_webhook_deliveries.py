"""GET /api/v1/webhooks/{webhookId}/deliveries: the webhook's deliveries with their attempts, newest
first (`status` filters)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.paging import Listing
from contact_platform.models.webhooks import Delivery, DeliveryListQuery
from contact_platform.services import webhook_deliveries


@endpoint("list_webhook_deliveries")
def list_webhook_deliveries(webhookId: str, query: Annotated[DeliveryListQuery, Query()]) -> Listing[Delivery]:
    return webhook_deliveries.list_deliveries(caller(), webhookId, query)


handler = list_webhook_deliveries.handler
