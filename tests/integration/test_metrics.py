"""`GET /metrics` on the in-process stack (docs/architecture.md, "Metrics"): Prometheus text that
`prometheus_client`'s parser reads, moved by real requests, jobs and webhook deliveries, with no
tenant or user label. Counters are process-wide, so every test compares before and after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from contact_platform import clock
from contact_platform.services.cleanup import run_cleanup
from contact_platform.services.metrics_report import CONTENT_TYPE
from tests.integration.test_cleanup import cleanup
from tests.integration.test_webhook_delivery import Pipeline, Receiver
from tests.support.faults import fault
from tests.support.fixtures import Api
from tests.support.jobs import run
from tests.support.prometheus import ALLOWED_LABELS, scrape


def test_metrics_is_public_prometheus_text_without_tenant_or_user_labels(api: Api, admin: dict[str, Any]) -> None:
    api.create_contact(admin["apiKey"], name="Counted Carla")
    page = scrape(api)

    assert page.status == 200
    assert page.headers["Content-Type"] == CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"
    kinds = {name: family.type for name, family in page.families.items()}
    assert {
        "cdp_http_requests": "counter",
        "cdp_errors": "counter",
        "cdp_jobs_ended": "counter",
        "cdp_exports": "counter",
        "cdp_webhook_deliveries": "counter",
        "cdp_job_duration_seconds": "histogram",
        "cdp_cleanup_runs": "counter",
        "cdp_cleanup_purged": "counter",
    }.items() <= kinds.items()
    assert all(family.documentation for family in page.families.values()), "every family has its HELP"
    assert page.label_names() <= ALLOWED_LABELS
    for secret in (admin["tenantId"], admin["userId"], admin["apiKey"]):
        assert secret not in page.text, "no tenant, user or key appears anywhere"


def test_a_201_and_a_404_count_by_route_and_status_class(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    before = scrape(api)
    api.create_contact(key, name="New Nina")
    assert api.get("/api/v1/contacts/ct_00000000000000000000000000", key=key).status == 404
    assert api.get("/api/v1/contacts/ct_00000000000000000000000001", key=key).status == 404
    after = scrape(api)

    def delta(route: str, status_class: str) -> float:
        labels = {"route": route, "status_class": status_class}
        return after.value("cdp_http_requests_total", **labels) - before.value("cdp_http_requests_total", **labels)

    assert delta("create_contact", "2xx") == 1
    assert delta("get_contact", "4xx") == 2
    assert delta("get_contact", "2xx") == 0 and delta("create_contact", "4xx") == 0
    assert delta("get_metrics", "2xx") == 1, "the first scrape is counted by the second"
    assert after.value("cdp_errors_total", function="get_contact") == before.value(
        "cdp_errors_total", function="get_contact"
    ), "a 4xx is no error"


def test_an_unhandled_exception_is_a_500_envelope_and_counts_as_an_error_of_its_route(api: Api) -> None:
    before = scrape(api)
    boto3.client("dynamodb").delete_table(TableName=os.environ["TABLE_NAME"])  # every write now fails
    reply = api.post("/dev/token", json={"role": "admin", "newTenant": True})
    assert reply.status == 500 and reply.error == {"code": "INTERNAL_ERROR", "message": "Internal server error"}
    after = scrape(api)

    labels = {"route": "create_dev_token", "status_class": "5xx"}
    assert after.value("cdp_http_requests_total", **labels) - before.value("cdp_http_requests_total", **labels) == 1
    errors = "cdp_errors_total"
    assert after.value(errors, function="create_dev_token") - before.value(errors, function="create_dev_token") == 1


@pytest.mark.usefixtures("jobs_aws")
def test_exports_count_their_statuses_and_durations_finished_failed_and_expired(
    api: Api, admin: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    api.create_contact(key, name="Exported Emma", tags=["metrics"])
    segment = api.post("/api/v1/segments", key=key, json={"name": "Metrics", "filter": {"tag": ["metrics"]}}).data
    before = scrape(api)
    done = run(api, "/api/v1/exports", key, json={"segmentId": segment["id"]})
    assert done["status"] == "FINISHED"
    after = scrape(api)

    def delta(sample: str, **labels: str) -> float:
        return after.value(sample, **labels) - before.value(sample, **labels)

    assert delta("cdp_exports_total", export_type="segment", status="PENDING") == 1
    assert delta("cdp_exports_total", export_type="segment", status="FINISHED") == 1
    assert delta("cdp_exports_total", export_type="segment", status="FAILED") == 0
    assert delta("cdp_jobs_ended_total", job="exports", status="FINISHED") == 1
    assert delta("cdp_job_duration_seconds_count", job="exports") == 1
    assert delta("cdp_job_duration_seconds_bucket", job="exports", le="+Inf") == 1
    assert delta("cdp_job_duration_seconds_sum", job="exports") > 0
    buckets = [s for s in after.families["cdp_job_duration_seconds"].samples if s.name.endswith("_bucket")]
    exports = [s.value for s in buckets if s.labels["job"] == "exports"]
    assert exports == sorted(exports), "buckets are cumulative"
    assert delta("cdp_jobs_ended_total", job="imports", status="FINISHED") == 0

    with fault("exports.plan"):
        failed = run(api, "/api/v1/exports", key, json={"segmentId": segment["id"]})
    assert failed["status"] == "FAILED"
    cleanup(0)
    assert cleanup(7.01)["exportsExpired"] == 1
    last = scrape(api)
    assert (
        last.value("cdp_exports_total", export_type="segment", status="FAILED")
        - after.value("cdp_exports_total", export_type="segment", status="FAILED")
        == 1
    )
    assert (
        last.value("cdp_jobs_ended_total", job="exports", status="FAILED")
        - after.value("cdp_jobs_ended_total", job="exports", status="FAILED")
        == 1
    )
    assert (
        last.value("cdp_exports_total", export_type="segment", status="EXPIRED")
        - after.value("cdp_exports_total", export_type="segment", status="EXPIRED")
        == 1
    ), "the cleanup expired the finished one"
    errors = "cdp_errors_total"
    assert last.value(errors, function="exports.plan") - after.value(errors, function="exports.plan") >= 1, (
        "the step's exception escaped its function (Step Functions' Catch then failed the job)"
    )
    assert (
        last.value("cdp_job_duration_seconds_count", job="exports")
        - after.value("cdp_job_duration_seconds_count", job="exports")
        == 1
    )


@pytest.fixture
def pipeline(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    from local import emulator
    from local.emulator import dynamodb_streams

    emulator.install()
    yield Pipeline(monkeypatch)
    dynamodb_streams.configure()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_webhook_delivery_attempts_count_by_outcome(
    api: Api, admin: dict[str, Any], pipeline: Pipeline, receiver: Receiver
) -> None:
    key = admin["apiKey"]
    reply = api.post("/api/v1/webhooks", key=key, json={"event": "contact.*", "targetUrl": receiver.url})
    assert reply.status == 201, reply.body
    before = scrape(api)
    receiver.answer(500, 200)
    api.create_contact(key, name="Hooked Hanna")
    pipeline.run()
    middle = scrape(api)
    pipeline.fast_forward(10)
    pipeline.deliver()
    after = scrape(api)

    deliveries = "cdp_webhook_deliveries_total"
    assert middle.value(deliveries, outcome="retrying") - before.value(deliveries, outcome="retrying") == 1
    assert middle.value(deliveries, outcome="succeeded") == before.value(deliveries, outcome="succeeded")
    assert after.value(deliveries, outcome="succeeded") - middle.value(deliveries, outcome="succeeded") == 1
    assert after.value(deliveries, outcome="failed") == before.value(deliveries, outcome="failed")


def test_a_cleanup_run_counts_whether_it_finished_and_what_it_purged(api: Api, admin: dict[str, Any]) -> None:
    """What the cleanup's silence alarm reads on AWS (infra/observability.py): runs that went through
    every due item, and the contacts and records purged."""
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Purged Paula")
    assert api.delete(f"/api/v1/contacts/{contact['id']}", key=key).status == 200
    before = scrape(api)
    due = clock.now() + timedelta(days=90.01)
    stopped = run_cleanup(due, time_left=lambda: 0.0)  # out of time at its first due item
    assert run_cleanup(due)["contactsPurged"] == 1
    after = scrape(api)
    assert stopped["finished"] is False
    for finished in ("true", "false"):
        runs = after.value("cdp_cleanup_runs_total", finished=finished)
        assert runs - before.value("cdp_cleanup_runs_total", finished=finished) == 1
    assert after.value("cdp_cleanup_purged_total") - before.value("cdp_cleanup_purged_total") == 1
