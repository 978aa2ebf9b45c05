"""The platform's own metrics (docs/architecture.md, "Metrics"): what the code records, in one place.

The rest of the code calls the small API below; every entry point built with
`observability.lambda_handler` flushes what its invocation recorded as CloudWatch embedded metric
format (EMF, Powertools' `EphemeralMetrics`) once at its end: one log line per set of dimension
values. The same calls add to the process's totals (`totals()`), which `GET /metrics` renders on the
local stack, where every function runs in one process; on AWS it reads the EMF metrics back from
CloudWatch instead (`services/metrics_report.py`).

Dimensions are platform-wide only: route, status class, function, job, status, export type,
outcome, finished. Never a tenant, user, key or record ID: each dimension value is a CloudWatch metric of its
own (billed monthly), and these figures are public (`GET /metrics` needs no key).

Powertools' metrics package comes with `import aws_lambda_powertools` (the Logger's), so this module
adds nothing to a cold start (pinned by tests/unit/test_cold_start_imports.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import defaultdict

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

NAMESPACE = "ContactPlatform"  # the default of POWERTOOLS_METRICS_NAMESPACE (CDK sets it: infra/platform_function.py)
SERVICE = "contact-platform"  # the default of POWERTOOLS_SERVICE_NAME, the `service` dimension of every metric

# EMF metric names (docs/architecture.md, "Metrics"), with the dimensions each carries besides `service`.
REQUESTS = "Requests"  # route, statusClass: every answer of a route function
LATENCY = "Latency"  # route, statusClass (milliseconds, inside the route function)
ERRORS = "Errors"  # function: a route's 5xx answers, an exception escaping any other entry point
JOBS_ENDED = "JobsEnded"  # job, status (FINISHED, FAILED)
JOB_DURATION = "JobDuration"  # job (seconds from the request to the job's end)
JOB_DURATION_BUCKET = "JobDurationBucket"  # job, le: one per job end, in the first bucket it fits
EXPORTS = "Exports"  # exportType, status: an export entering a status (PENDING, FINISHED, FAILED, EXPIRED)
WEBHOOK_DELIVERIES = "WebhookDeliveries"  # outcome: succeeded, retrying, failed (per attempt)
CLEANUP_RUNS = "CleanupRuns"  # finished ("true", "false"): every run of the scheduled cleanup
CLEANUP_PURGED = "CleanupPurged"  # contacts and records a cleanup run purged (infra/workflows.py alarms on silence)
# The webhook failure-rate alarm divides these two (infra/webhooks.py): `service` is their only dimension.
WEBHOOK_ATTEMPTS = "WebhookAttempts"
WEBHOOK_ATTEMPTS_FAILED = "WebhookAttemptsFailed"

# Upper bounds (seconds) of the job-duration buckets; a duration above the last falls in "+Inf".
JOB_DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 10800.0)
INFINITY = "+Inf"
DELIVERY_OUTCOMES = {"succeeded": "succeeded", "pending": "retrying", "failed": "failed"}

Dimensions = tuple[tuple[str, str], ...]  # sorted (name, value) pairs, `service` left out
Series = tuple[str, Dimensions]  # (EMF metric name, dimensions)

_lock = threading.Lock()
# This invocation's data points, by dimensions: (metric, unit, value). Flushed by `flush`.
_pending: dict[Dimensions, list[tuple[str, str, float]]] = defaultdict(list)
# Everything recorded in this process (sums): what `GET /metrics` shows on the local stack.
_totals: dict[Series, float] = defaultdict(float)


def status_class(status: int) -> str:
    """`404` -> `4xx`."""
    return f"{status // 100}xx"


def bucket_of(seconds: float) -> str:
    """The `le` of the first job-duration bucket a duration fits in (as Prometheus writes it: `60.0`)."""
    for bound in JOB_DURATION_BUCKETS:
        if seconds <= bound:
            return str(bound)
    return INFINITY


def _add(dimensions: dict[str, str], *points: tuple[str, str, float]) -> None:
    key = tuple(sorted(dimensions.items()))
    with _lock:
        _pending[key].extend(points)
        for name, _, value in points:
            _totals[(name, key)] += value


# The API -----------------------------------------------------------------------------------------


def request(route: str, status: int, seconds: float) -> None:
    """A route function answered `status` after `seconds` (a 5xx counts as an error of the route)."""
    klass = status_class(status)
    _add(
        {"route": route, "statusClass": klass},
        (REQUESTS, MetricUnit.Count.value, 1),
        (LATENCY, MetricUnit.Milliseconds.value, round(seconds * 1000, 3)),
    )
    if status >= 500:
        error(route)


def error(function: str) -> None:
    """An error of an entry point (a route's name, a job step `exports.finalize`, a trigger `cleanup`)."""
    _add({"function": function}, (ERRORS, MetricUnit.Count.value, 1))


def job_ended(job: str, status: str, seconds: float) -> None:
    """A job (`exports`, `imports`, ...) ended FINISHED or FAILED, `seconds` after it was requested."""
    seconds = max(0.0, seconds)
    _add({"job": job, "status": status}, (JOBS_ENDED, MetricUnit.Count.value, 1))
    _add({"job": job}, (JOB_DURATION, MetricUnit.Seconds.value, round(seconds, 3)))
    _add({"job": job, "le": bucket_of(seconds)}, (JOB_DURATION_BUCKET, MetricUnit.Count.value, 1))


def export(export_type: str, status: str) -> None:
    """An export of `export_type` (`segment`, a campaign export's type) entered `status`."""
    _add({"exportType": export_type, "status": status}, (EXPORTS, MetricUnit.Count.value, 1))


def delivery(status: str) -> None:
    """A webhook delivery attempt was made and left its delivery `status` (succeeded, pending, failed)."""
    failed = 0 if status == "succeeded" else 1
    _add({"outcome": DELIVERY_OUTCOMES.get(status, status)}, (WEBHOOK_DELIVERIES, MetricUnit.Count.value, 1))
    _add({}, (WEBHOOK_ATTEMPTS, MetricUnit.Count.value, 1), (WEBHOOK_ATTEMPTS_FAILED, MetricUnit.Count.value, failed))


def cleanup_run(finished: bool, purged: int) -> None:
    """A run of the scheduled cleanup ended, having gone through every due item or not, and purged
    `purged` contacts and records (their nested records not counted)."""
    _add({"finished": str(finished).lower()}, (CLEANUP_RUNS, MetricUnit.Count.value, 1))
    _add({}, (CLEANUP_PURGED, MetricUnit.Count.value, purged))


# Flushing and reading ------------------------------------------------------------------------------


def _emitter() -> EphemeralMetrics:
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE
    return EphemeralMetrics(namespace=namespace, service=os.environ.get("POWERTOOLS_SERVICE_NAME") or SERVICE)


def flush() -> None:
    """Write this invocation's data points as EMF (stdout, which Lambda sends to CloudWatch Logs), one
    line per set of dimension values; counts of one series are summed into one value. Nothing is
    written with POWERTOOLS_METRICS_DISABLED (the local stack); the points are dropped either way."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
    if not pending:
        return
    try:
        _write(pending)
    except Exception:  # a metric must never fail the invocation that records it
        logging.getLogger(__name__).exception("metrics not written")


def _write(pending: dict[Dimensions, list[tuple[str, str, float]]]) -> None:
    emitter = _emitter()
    for dimensions, points in pending.items():
        counts: dict[str, float] = {}
        for name, unit, value in points:
            if unit == MetricUnit.Count.value:
                counts[name] = counts.get(name, 0) + value
            else:
                emitter.add_metric(name=name, unit=unit, value=value)
        for name, value in counts.items():
            emitter.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for dimension, text in dimensions:
            emitter.add_dimension(name=dimension, value=text)
        emitter.flush_metrics()
        emitter.clear_metrics()


def totals() -> dict[Series, float]:
    """What this process recorded so far, per series (sums; a copy)."""
    with _lock:
        return dict(_totals)
