"""Test-wide setup: a fixed test environment before anything reads it, and DynamoDB request counting.

Counting uses botocore's event system: a `before-call.dynamodb` handler is added to botocore's
built-in handlers here, before any client exists, so every client (boto3, pynamodb, Powertools)
reports each DynamoDB request it makes.
"""

from __future__ import annotations

import os

TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_REGION": "eu-central-1",
    "TABLE_NAME": "cdp-test",
    "CURSOR_SECRET_ARN": "cdp-test/cursor-key",
    "DEV_MODE": "true",
    "WEBHOOK_QUEUE_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/cdp-test-webhook-deliveries",
    "WEBHOOK_DEAD_LETTER_QUEUE_URL": "https://sqs.eu-central-1.amazonaws.com/123456789012/cdp-test-webhook-dead-letters",
    # Rate-limit windows of a day: a key's first request of a window makes one more UpdateItem, and the
    # tests that pin request counts should not meet a window's start by chance (at most once a day,
    # at midnight UTC, instead of every ten minutes). Tests that cross windows move the clock.
    "RATE_LIMIT_WINDOW_SECONDS": "86400",
    # Every request counted by a request of its own, as with a key used now and then: the request
    # budgets and the revocation tests then do not depend on how fast a test ran. The authorizer's
    # leases (a busy key's numbers reserved several at a time) are tested with the default in
    # tests/integration/test_authorizer_leases.py.
    "RATE_LEASE_MAX": "1",
    # No burst limit the tests could meet by running fast; the burst tests set their own
    # (tests/integration/test_authorizer_rate_window.py).
    "RATE_BURST_PER_SECOND": "1000000",
    "POWERTOOLS_SERVICE_NAME": "contact-platform-test",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
}
os.environ.update(TEST_ENVIRONMENT)
os.environ.pop("AWS_ENDPOINT_URL", None)

from tests.support.issuer import issuer_environment  # noqa: E402

# The dev issuer as the local stack runs it, with a key pair of this test process; the authorizer
# reads its JWKS from a `data:` URL (the same fetch as over HTTP, without a server).
TEST_ENVIRONMENT.update(issuer_environment())
os.environ.update(TEST_ENVIRONMENT)

from tests.support.request_counter import install as install_request_counter  # noqa: E402

install_request_counter()

pytest_plugins = ["tests.support.fixtures"]
