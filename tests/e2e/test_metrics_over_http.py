"""`GET /metrics` over real HTTP, as a Prometheus server scrapes it (no key), against a running stack."""

from __future__ import annotations

import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.prometheus import ALLOWED_LABELS
from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")


def _scrape(stack: Stack) -> tuple[requests.Response, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    response = requests.get(f"{stack.base_url}/metrics", timeout=30)  # no Authorization header
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): float(sample.value)
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response, samples


def test_metrics_is_scraped_without_a_key_and_counts_requests(stack: Stack) -> None:
    _, before = _scrape(stack)
    email = f"metrics-{uuid.uuid4().hex[:12]}@example.com"
    created = stack.session().post(f"{stack.base_url}/api/v1/contacts", json={"name": "Scraped", "emails": [email]})
    assert created.status_code == 201, created.text
    response, after = _scrape(stack)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert {name for _, labels in after for name, _ in labels} <= ALLOWED_LABELS
    assert created.json()["data"]["id"] not in response.text and email not in response.text
    if stack.output is not None:  # the local stack counts at once; a deployed one 3 to 8 minutes later
        series = ("cdp_http_requests_total", (("route", "create_contact"), ("status_class", "2xx")))
        assert after.get(series, 0.0) - before.get(series, 0.0) == 1
