"""Webhook signatures verify with the `standardwebhooks` reference verifier (docs/architecture.md,
Webhooks: signing and targets)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from contact_platform import clock
from contact_platform.webhooks.signing import new_secret, signature_headers

BODY = json.dumps({"type": "contact.created", "data": {"id": "con_x", "name": "Jörg"}}, ensure_ascii=False).encode()


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_a_signature_verifies_with_the_reference_verifier() -> None:
    secret, now = new_secret(), clock.now()
    headers = signature_headers("evt_1", now, BODY, [secret])
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-timestamp"] == str(clock.epoch(now))
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)


def test_a_tampered_body_a_wrong_secret_and_a_stale_timestamp_fail() -> None:
    secret, now = new_secret(), clock.now()
    headers = signature_headers("evt_1", now, BODY, [secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"con_x", b"con_y"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, signature_headers("evt_1", now - timedelta(minutes=6), BODY, [secret]))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**headers, "webhook-id": "evt_2"})


def test_during_a_rotation_both_secrets_sign_and_each_verifies() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers("evt_1", clock.now(), BODY, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body() -> None:
    """The spec's construction, written out: what a subscriber without the package computes."""
    secret = new_secret()
    moment = clock.from_epoch(1_750_000_000)
    headers = signature_headers("evt_1", moment, BODY, [secret])
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, b"evt_1.1750000000." + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        signature_headers("evt_1", clock.now(), BODY, [])
