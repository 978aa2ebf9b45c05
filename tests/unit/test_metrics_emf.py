"""What the functions write as CloudWatch EMF (docs/architecture.md, "Metrics"): one line per set of
dimension values, flushed once per invocation by `lambda_handler`, with platform-wide dimensions
only, and the webhook attempt counts with `service` alone (the failure-rate alarm reads them so)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from contact_platform import metrics
from contact_platform.http.endpoint import Endpoint
from contact_platform.observability import Refusal, lambda_handler
from contact_platform.route import Route
from local.lambda_runtime import LambdaContext
from tests.support.prometheus import emf_documents

PLATFORM_DIMENSIONS = {"service", "route", "statusClass", "function", "job", "status", "le", "exportType", "outcome"}


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "ContactPlatform")
    metrics.flush()  # nothing of an earlier test
    capsys.readouterr()
    yield


def _context() -> LambdaContext:
    return LambdaContext("unit", "arn:aws:lambda:local:000000000000:function:unit", memory_mb=128, timeout_seconds=30)


def _documents(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return emf_documents(capsys.readouterr().out)


def _by_dimensions(documents: list[dict[str, Any]]) -> dict[tuple[tuple[str, str], ...], dict[str, Any]]:
    found = {}
    for document in documents:
        [directive] = document["_aws"]["CloudWatchMetrics"]
        [dimension_set] = directive["Dimensions"]
        assert directive["Namespace"] == "ContactPlatform"
        assert set(dimension_set) <= PLATFORM_DIMENSIONS
        key = tuple(sorted((name, document[name]) for name in dimension_set))
        values = {metric["Name"]: document[metric["Name"]] for metric in directive["Metrics"]}
        assert all(len(value) == 1 for value in values.values()), "one value per metric and invocation"
        found[key] = {name: value[0] for name, value in values.items()}
    return found


@pytest.mark.usefixtures("emf")
def test_an_invocation_flushes_one_line_per_dimension_set_with_counts_summed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def work(event: Any, context: Any) -> str:
        metrics.job_ended("exports", "FINISHED", 42.0)
        metrics.export("segment", "FINISHED")
        metrics.delivery("succeeded")
        metrics.delivery("pending")
        return "done"

    handler = lambda_handler(work, name="test.work")
    assert handler({}, _context()) == "done"
    found = _by_dimensions(_documents(capsys))
    service = ("service", "contact-platform-test")
    assert found == {
        (("job", "exports"), service, ("status", "FINISHED")): {"JobsEnded": 1.0},
        (("job", "exports"), service): {"JobDuration": 42.0},
        (("job", "exports"), ("le", "60.0"), service): {"JobDurationBucket": 1.0},
        (("exportType", "segment"), service, ("status", "FINISHED")): {"Exports": 1.0},
        (("outcome", "succeeded"), service): {"WebhookDeliveries": 1.0},
        (("outcome", "retrying"), service): {"WebhookDeliveries": 1.0},
        (service,): {"WebhookAttempts": 2.0, "WebhookAttemptsFailed": 1.0},
    }
    handler({}, _context())
    assert len(_documents(capsys)) == 7, "the next invocation writes only its own points"


@pytest.mark.usefixtures("emf")
def test_an_exception_escaping_an_entry_point_counts_as_its_error_a_refusal_does_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(event: Any, context: Any) -> None:
        raise RuntimeError("broken")

    def refusing(event: Any, context: Any) -> None:
        raise Refusal("Unauthorized")

    with pytest.raises(RuntimeError):
        lambda_handler(broken, name="exports.finalize")({}, _context())
    assert _by_dimensions(_documents(capsys)) == {
        (("function", "exports.finalize"), ("service", "contact-platform-test")): {"Errors": 1.0}
    }
    with pytest.raises(Refusal):
        lambda_handler(refusing)({}, _context())
    assert _documents(capsys) == []


@pytest.mark.usefixtures("emf")
def test_a_route_s_unhandled_exception_is_a_500_a_request_and_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    def explode() -> None:
        raise ValueError("a bug")

    route = Route("explode", "GET", "/explode", "test", None, "Raises")
    answer = Endpoint(route, explode)({"path": "/explode", "httpMethod": "GET", "requestContext": {}}, _context())
    assert answer["statusCode"] == 500
    found = _by_dimensions(_documents(capsys))
    service = ("service", "contact-platform-test")
    requests = found[(("route", "explode"), service, ("statusClass", "5xx"))]
    assert requests["Requests"] == 1.0 and requests["Latency"] >= 0
    assert found[(("function", "explode"), service)] == {"Errors": 1.0}


def test_nothing_is_written_with_metrics_disabled_and_the_process_totals_still_count(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    series = (metrics.EXPORTS, (("exportType", "unit-test"), ("status", "PENDING")))
    before = metrics.totals().get(series, 0.0)
    metrics.export("unit-test", "PENDING")
    metrics.flush()
    assert emf_documents(capsys.readouterr().out) == []
    assert metrics.totals()[series] == before + 1


@pytest.mark.parametrize(
    ("seconds", "bucket"), [(0.0, "1.0"), (1.0, "1.0"), (1.5, "5.0"), (3600.0, "3600.0"), (86_400.0, "+Inf")]
)
def test_a_duration_falls_in_the_first_bucket_it_fits(seconds: float, bucket: str) -> None:
    assert metrics.bucket_of(seconds) == bucket
