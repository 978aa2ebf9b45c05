"""GET /api/v1/webhooks: the tenant's webhooks, newest first (never their secrets)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.paging import Listing
from contact_platform.models.webhooks import Webhook, WebhookListQuery
from contact_platform.services import webhooks


@endpoint("list_webhooks")
def list_webhooks(query: Annotated[WebhookListQuery, Query()]) -> Listing[Webhook]:
    return webhooks.list_webhooks(caller(), query)


handler = list_webhooks.handler
