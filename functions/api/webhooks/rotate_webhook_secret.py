"""POST /api/v1/webhooks/{webhookId}/rotate-secret: a new signing secret, shown once; the previous
one keeps signing next to it for 24 hours; honours If-Match."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.webhooks import WebhookWithSecret
from contact_platform.services import webhooks


@endpoint("rotate_webhook_secret")
def rotate_webhook_secret(webhookId: str, if_match: IfMatch = None) -> WebhookWithSecret:
    return webhooks.rotate_webhook_secret(caller(), webhookId, if_match)


handler = rotate_webhook_secret.handler
