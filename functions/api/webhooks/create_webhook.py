"""POST /api/v1/webhooks: subscribe a URL to events; the answer shows the signing secret, once."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.webhooks import WebhookCreate, WebhookWithSecret
from contact_platform.services import webhooks


@endpoint("create_webhook")
def create_webhook(body: WebhookCreate) -> WebhookWithSecret:
    return webhooks.create_webhook(caller(), body)


handler = create_webhook.handler
