"""Standard Webhooks signatures (docs/architecture.md, Webhooks: signing and targets).

A secret is `whsec_` + base64 of 32 random bytes. Each delivery attempt carries `webhook-id`,
`webhook-timestamp` (integer seconds) and `webhook-signature`: `v1,<base64 HMAC-SHA256>` of
`<id>.<timestamp>.<body>` per active secret, space-separated (during a rotation the old secret keeps
signing for 24 hours next to the new one). The `standardwebhooks` package makes each signature: the
implementation of the spec that subscribers verify with.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from secrets import token_bytes

from contact_platform import clock

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode()


def signature_headers(event_id: str, timestamp: datetime, body: bytes, secrets: Sequence[str]) -> dict[str, str]:
    """The three headers of one attempt; `body` is the UTF-8 JSON sent, byte for byte."""
    if not secrets:
        raise ValueError("an event is signed with at least one secret")
    from standardwebhooks import Webhook  # the delivery function's only: the webhook routes make secrets alone

    seconds = clock.epoch(timestamp)
    moment = clock.from_epoch(seconds)
    text = body.decode()  # the package signs text: the same bytes again for UTF-8
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": " ".join(Webhook(secret).sign(event_id, moment, text) for secret in secrets),
    }
