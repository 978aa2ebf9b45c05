"""Webhook signing secrets at rest (docs/architecture.md, "Webhooks: signing and targets"): sealed
with the platform's KMS key before they are stored, bound to their webhook by the encryption context
(tenant and webhook ID: a sealed secret copied onto another webhook does not open), and opened only
by the delivery function, which signs with them. The routes that make a secret seal it; none opens
one. Their answers, which show the new secret, are kept for an `Idempotency-Key` replay sealed as
well, under a context of their own (`purpose`): the only thing those routes may decrypt
(infra/webhooks.py)."""

from __future__ import annotations

import base64
from functools import lru_cache

from contact_platform import aws
from contact_platform.config import settings

OPENED_KEPT = 256  # secrets an instance keeps opened (one Decrypt each, then none while it lives)
ANSWER_PURPOSE = "idempotent-answer"  # the encryption context's `purpose` of a sealed answer


def _context(tenant_id: str, webhook_id: str) -> dict[str, str]:
    return {"tenantId": tenant_id, "webhookId": webhook_id}


def seal(secret: str, tenant_id: str, webhook_id: str) -> str:
    """The secret encrypted with the webhook key (KMS Encrypt), as base64."""
    answer = aws.client("kms").encrypt(
        KeyId=settings().webhook_secrets_key,
        Plaintext=secret.encode(),
        EncryptionContext=_context(tenant_id, webhook_id),
    )
    return base64.b64encode(answer["CiphertextBlob"]).decode()


@lru_cache(maxsize=OPENED_KEPT)
def opened(sealed: str, tenant_id: str, webhook_id: str) -> str:
    """The secret a `seal` of this webhook made (KMS Decrypt, then kept by the instance)."""
    answer = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(sealed), EncryptionContext=_context(tenant_id, webhook_id)
    )
    return bytes(answer["Plaintext"]).decode()


def _answer_context(tenant_id: str, route: str, key: str) -> dict[str, str]:
    return {"purpose": ANSWER_PURPOSE, "tenantId": tenant_id, "route": route, "idempotencyKey": key}


def seal_answer(answer: str, tenant_id: str, route: str, key: str) -> str:
    """A route's answer (at most 4 KB: KMS Encrypt's limit) sealed for its Idempotency-Key's replays."""
    sealed = aws.client("kms").encrypt(
        KeyId=settings().webhook_secrets_key,
        Plaintext=answer.encode(),
        EncryptionContext=_answer_context(tenant_id, route, key),
    )
    return base64.b64encode(sealed["CiphertextBlob"]).decode()


def opened_answer(sealed: str, tenant_id: str, route: str, key: str) -> str:
    answer = aws.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(sealed), EncryptionContext=_answer_context(tenant_id, route, key)
    )
    return bytes(answer["Plaintext"]).decode()
