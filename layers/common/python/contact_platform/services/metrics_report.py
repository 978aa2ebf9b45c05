"""`GET /metrics`: the platform's figures as Prometheus text (docs/architecture.md, "Metrics").

The figures are sums per series of the EMF metrics (metrics.py), from one of two sources
(`METRICS_SOURCE`): `process`, what this process recorded (the local stack, where every function
runs in one process), or `cloudwatch`, the totals folded from CloudWatch (services/metrics_fold.py;
CDK sets it on AWS). Either way a custom collector turns them into `prometheus_client` families:
counters for what only grows, the job durations as a histogram. No family has a tenant or user label.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from contact_platform import metrics as m
from contact_platform.metrics import Series

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # text/plain; version=0.0.4; charset=utf-8
ENV_METRICS_SOURCE = "METRICS_SOURCE"
PROCESS, CLOUDWATCH = "process", "cloudwatch"


@dataclass(frozen=True)
class CounterSpec:
    family: str  # the Prometheus name, without `_total`
    help: str
    labels: tuple[tuple[str, str], ...]  # (EMF dimension, Prometheus label)


COUNTERS = {
    m.REQUESTS: CounterSpec(
        "cdp_http_requests",
        "API requests answered by the route functions, by route and status class",
        (("route", "route"), ("statusClass", "status_class")),
    ),
    m.ERRORS: CounterSpec(
        "cdp_errors",
        "Errors: 5xx answers of a route function, exceptions escaping any other function (job steps, triggers)",
        (("function", "function"),),
    ),
    m.JOBS_ENDED: CounterSpec(
        "cdp_jobs_ended", "Jobs that ended, by job and final status", (("job", "job"), ("status", "status"))
    ),
    m.EXPORTS: CounterSpec(
        "cdp_exports",
        "Exports that entered a status (PENDING, FINISHED, FAILED, EXPIRED), by export type",
        (("exportType", "export_type"), ("status", "status")),
    ),
    m.WEBHOOK_DELIVERIES: CounterSpec(
        "cdp_webhook_deliveries",
        "Webhook delivery attempts by outcome: succeeded, retrying (failed, another attempt follows), failed (final)",
        (("outcome", "outcome"),),
    ),
    m.CLEANUP_RUNS: CounterSpec(
        "cdp_cleanup_runs",
        "Runs of the scheduled cleanup, by whether they went through every due item (false: the next run goes on)",
        (("finished", "finished"),),
    ),
    m.CLEANUP_PURGED: CounterSpec(
        "cdp_cleanup_purged", "Contacts and records the scheduled cleanup purged, 90 days after their deletion", ()
    ),
}
JOB_DURATION_FAMILY = "cdp_job_duration_seconds"
JOB_DURATION_HELP = "Seconds from a job's request to its end (FINISHED or FAILED), by job"
FOLDED_UNTIL_FAMILY = "cdp_metrics_complete_until_timestamp_seconds"
FOLDED_UNTIL_HELP = "The figures hold every data point CloudWatch had before this moment (epoch seconds)"


class TotalsCollector(Collector):
    """Prometheus families from per-series sums (`metrics.totals()` or the CloudWatch fold's)."""

    def __init__(self, sums: Mapping[Series, float], complete_until: int | None = None) -> None:
        self.sums = sums
        self.complete_until = complete_until

    def collect(self) -> Iterable[Metric]:
        yield from self._counters()
        yield self._job_durations()
        if self.complete_until is not None:
            gauge = GaugeMetricFamily(FOLDED_UNTIL_FAMILY, FOLDED_UNTIL_HELP)
            gauge.add_metric([], float(self.complete_until))
            yield gauge

    def _series(self, name: str) -> Iterator[tuple[dict[str, str], float]]:
        for (metric, dimensions), value in sorted(self.sums.items()):
            if metric == name:
                yield dict(dimensions), value

    def _counters(self) -> Iterator[Metric]:
        for name, spec in COUNTERS.items():
            family = CounterMetricFamily(spec.family, spec.help, labels=[label for _, label in spec.labels])
            for dimensions, value in self._series(name):
                family.add_metric([dimensions.get(dimension, "") for dimension, _ in spec.labels], value)
            yield family

    def _job_durations(self) -> Metric:
        family = HistogramMetricFamily(JOB_DURATION_FAMILY, JOB_DURATION_HELP, labels=["job"])
        buckets: dict[str, dict[str, float]] = {}
        for dimensions, value in self._series(m.JOB_DURATION_BUCKET):
            buckets.setdefault(dimensions.get("job", ""), {})[dimensions.get("le", m.INFINITY)] = value
        seconds = {dimensions.get("job", ""): value for dimensions, value in self._series(m.JOB_DURATION)}
        for job, counts in sorted(buckets.items()):
            cumulative, rows = 0.0, []
            for bound in (*(str(b) for b in m.JOB_DURATION_BUCKETS), m.INFINITY):
                cumulative += counts.get(bound, 0.0)
                rows.append((bound, cumulative))
            family.add_metric([job], rows, sum_value=seconds.get(job, 0.0))
        return family


def render(sums: Mapping[Series, float], complete_until: int | None = None) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TotalsCollector(sums, complete_until))
    return generate_latest(registry).decode("utf-8")


def source() -> str:
    return os.environ.get(ENV_METRICS_SOURCE) or PROCESS


def exposition() -> str:
    """The Prometheus text of the figures of this stack's source."""
    if source() == CLOUDWATCH:
        from contact_platform.services import metrics_fold

        totals = metrics_fold.current()
        return render(totals.sums, totals.folded_until)
    return render(m.totals())
