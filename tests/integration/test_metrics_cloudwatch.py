"""`GET /metrics` on AWS (docs/architecture.md, "Metrics"): the functions' EMF lines become CloudWatch
data points (here put into moto's CloudWatch as CloudWatch Logs extracts them), and the metrics
function folds each settled window into totals kept in the table, exposed as counters that only grow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from contact_platform import clock
from contact_platform import metrics as m
from contact_platform.observability import lambda_handler
from contact_platform.services import metrics_fold
from contact_platform.services.metrics_report import ENV_METRICS_SOURCE
from contact_platform.store import metrics as store
from local.lambda_runtime import LambdaContext
from tests.support.fixtures import Api
from tests.support.prometheus import ALLOWED_LABELS, emf_documents, ingest, scrape


@pytest.fixture
def on_aws(aws: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """EMF written (as on Lambda) and `GET /metrics` reading CloudWatch."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv(ENV_METRICS_SOURCE, "cloudwatch")
    m.flush()
    capsys.readouterr()
    yield


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


def _a_job_ends(job: str, seconds: float) -> None:
    """A job step's invocation that ends a job (what `operations.end` records), as Lambda runs it."""
    context = LambdaContext("step", "arn:aws:lambda:local:000000000000:function:step", memory_mb=128, timeout_seconds=9)
    lambda_handler(lambda event, context: m.job_ended(job, "FINISHED", seconds), name=f"{job}.finalize")({}, context)


@pytest.mark.usefixtures("on_aws")
def test_on_aws_the_totals_are_folded_from_cloudwatch_windows_and_only_grow(
    api: Api, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cloudwatch = boto3.client("cloudwatch")
    key = admin["apiKey"]
    start = datetime.now(UTC)
    api.create_contact(key, name="Folded Fiona")
    assert api.get("/api/v1/contacts/ct_00000000000000000000000000", key=key).status == 404
    _a_job_ends("exports", 7.0)
    assert ingest(cloudwatch, emf_documents(capsys.readouterr().out)) > 0

    _at(monkeypatch, start + timedelta(minutes=10))
    first = scrape(api)
    assert first.status == 200
    assert first.value("cdp_http_requests_total", route="create_contact", status_class="2xx") == 1
    assert first.value("cdp_http_requests_total", route="get_contact", status_class="4xx") == 1
    assert first.value("cdp_jobs_ended_total", job="exports", status="FINISHED") == 1
    assert first.value("cdp_job_duration_seconds_bucket", job="exports", le="5.0") == 0
    assert first.value("cdp_job_duration_seconds_bucket", job="exports", le="15.0") == 1
    assert first.value("cdp_job_duration_seconds_count", job="exports") == 1
    assert first.value("cdp_job_duration_seconds_sum", job="exports") == 7.0
    complete = first.value("cdp_metrics_complete_until_timestamp_seconds")
    assert complete == clock.epoch(start + timedelta(minutes=7)) // 60 * 60, "three minutes settle"
    assert first.label_names() <= ALLOWED_LABELS
    assert admin["tenantId"] not in first.text and admin["userId"] not in first.text

    # Later requests: points after the folded window (as EMF lines of that time would be)
    api.create_contact(key, name="Later Lara")
    _a_job_ends("exports", 90.0)
    ingest(cloudwatch, emf_documents(capsys.readouterr().out), at=start + timedelta(minutes=8))

    _at(monkeypatch, start + timedelta(minutes=11))
    soon = scrape(api)
    assert soon.value("cdp_metrics_complete_until_timestamp_seconds") == complete, "no window of 5 minutes yet"
    assert soon.value("cdp_http_requests_total", route="create_contact", status_class="2xx") == 1

    _at(monkeypatch, start + timedelta(minutes=20))
    later = scrape(api)
    assert later.value("cdp_metrics_complete_until_timestamp_seconds") > complete
    assert later.value("cdp_http_requests_total", route="create_contact", status_class="2xx") == 2
    assert later.value("cdp_http_requests_total", route="get_metrics", status_class="2xx") == 1, "the first scrape"
    assert later.value("cdp_jobs_ended_total", job="exports", status="FINISHED") == 2
    assert later.value("cdp_job_duration_seconds_bucket", job="exports", le="60.0") == 1
    assert later.value("cdp_job_duration_seconds_bucket", job="exports", le="120.0") == 2
    assert later.value("cdp_job_duration_seconds_sum", job="exports") == 97.0
    for family in later.families.values():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                assert sample.value >= first.value(sample.name, **sample.labels), sample


@pytest.mark.usefixtures("on_aws")
def test_a_fold_is_written_only_over_the_totals_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two scrapes at once: the second write of the same window is refused, and that scrape shows
    the totals the first one wrote, so no window counts twice."""
    series = (m.REQUESTS, (("route", "get_contact"), ("statusClass", "2xx")))
    assert store.save(store.Totals(600, {series: 3.0}), previous=None)
    assert not store.save(store.Totals(600, {series: 5.0}), previous=None), "one item, created once"
    assert store.save(store.Totals(900, {series: 4.0}), previous=600)
    assert not store.save(store.Totals(900, {series: 9.0}), previous=600), "600 was folded already"
    stored = store.get()
    assert stored is not None and (stored.folded_until, stored.sums) == (900, {series: 4.0})

    _at(monkeypatch, clock.from_epoch(900 + metrics_fold.SETTLE + metrics_fold.STEP - 60))
    assert metrics_fold.current() == stored, "less than a step settled since: CloudWatch is not read"


@pytest.mark.usefixtures("on_aws")
def test_a_series_listed_late_counts_from_before_its_window_a_late_point_of_a_known_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ListMetrics shows a new series up to 15 minutes after its first point: a series new to the
    totals is read from an hour before the window. A known series' point that reaches CloudWatch
    after its window was folded is not counted (the settle time's trade-off)."""
    cloudwatch = boto3.client("cloudwatch")
    base = clock.from_epoch(clock.epoch(datetime.now(UTC)) // 60 * 60)

    def put(route: str, status_class: str, value: float, at: datetime) -> None:
        dimensions = [{"Name": "service", "Value": os.environ["POWERTOOLS_SERVICE_NAME"]}]
        dimensions += [{"Name": "route", "Value": route}, {"Name": "statusClass", "Value": status_class}]
        cloudwatch.put_metric_data(
            Namespace=m.NAMESPACE,
            MetricData=[{"MetricName": m.REQUESTS, "Dimensions": dimensions, "Timestamp": at, "Value": value}],
        )

    known = (m.REQUESTS, (("route", "get_contact"), ("statusClass", "2xx")))
    late = (m.REQUESTS, (("route", "list_contacts"), ("statusClass", "4xx")))
    put("get_contact", "2xx", 2, base - timedelta(minutes=1))
    _at(monkeypatch, base + timedelta(minutes=10))
    first = metrics_fold.current()
    assert first.folded_until == clock.epoch(base + timedelta(minutes=7))
    assert first.sums == {known: 2.0}

    # both points lie in the window folded already: one of a series listed only now, one of a known series
    put("list_contacts", "4xx", 1, base + timedelta(minutes=5))
    put("get_contact", "2xx", 5, base + timedelta(minutes=5))
    _at(monkeypatch, base + timedelta(minutes=20))
    second = metrics_fold.current()
    assert second.folded_until == clock.epoch(base + timedelta(minutes=17))
    assert second.sums == {known: 2.0, late: 1.0}
