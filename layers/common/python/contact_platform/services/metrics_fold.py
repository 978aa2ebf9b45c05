"""The platform's totals on AWS, read back from CloudWatch (docs/architecture.md, "Metrics").

Lambda keeps no process to scrape, so the functions' EMF metrics are the record, and `GET /metrics`
folds them into running totals (store/metrics.py): each scrape that finds a settled window of at
least `STEP` seconds since the last fold reads that window's sums of every series
(ListMetrics, then GetMetricData with one period spanning the window) and adds them to the totals.
The totals only grow, so they are exposed as Prometheus counters; they lag behind by `SETTLE` to
`SETTLE + STEP` (EMF lines become metrics within a minute or two; a data point later than `SETTLE`
is missed). A fold reads at most `MAX_WINDOW` (one period); a stack scraped again after a long pause
catches up a day per scrape, from at most `RETAINED` back (CloudWatch keeps one-minute data for 15
days). Whatever the scrape rate, CloudWatch is read at most once per `STEP`.

ListMetrics shows a new series up to 15 minutes after its first data point, so a series the totals
have never held (every listed series is kept, with 0 if it had no data) is read from `NEW_LOOKBACK`
before the window: its first points, which an earlier fold could not list, count too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from contact_platform import aws, clock
from contact_platform import metrics as m
from contact_platform.metrics import Dimensions, Series
from contact_platform.store import metrics as store
from contact_platform.store.metrics import Totals

SETTLE = 180  # seconds: a window is read once it ended this long ago
STEP = 300  # seconds: the shortest window a fold reads
MAX_WINDOW = 86_400  # seconds: the longest window a fold reads (one GetMetricData period)
RETAINED = 14 * 86_400  # seconds: how far back a fold starts at most
FIRST_WINDOW = 86_400  # seconds: the first fold starts this long before its end
NEW_LOOKBACK = 3600  # seconds before the window from which a series new to the totals is read
RECENT = 3 * 3600  # ListMetrics' RecentlyActive (PT3H) lists only series with data in the last 3 hours
QUERIES_PER_CALL = 500  # GetMetricData's limit
# The EMF metrics `GET /metrics` exposes (metrics.py): Latency and the alarm's attempt counts stay in CloudWatch.
FOLDED = (
    m.REQUESTS,
    m.ERRORS,
    m.JOBS_ENDED,
    m.JOB_DURATION,
    m.JOB_DURATION_BUCKET,
    m.EXPORTS,
    m.WEBHOOK_DELIVERIES,
    m.CLEANUP_RUNS,
    m.CLEANUP_PURGED,
)


def _namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or m.NAMESPACE


def _service() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or m.SERVICE


def _minute(moment: datetime) -> int:
    seconds = clock.epoch(moment)
    return seconds - seconds % 60


def current(now: datetime | None = None) -> Totals:
    """The totals, with the window that settled since the last fold added when it is `STEP` long."""
    moment = now or clock.now()
    stored = store.get()
    end = _minute(moment - timedelta(seconds=SETTLE))
    start = stored.folded_until if stored is not None else end - FIRST_WINDOW
    start = max(start, end - RETAINED)
    if end - start < STEP:
        return stored or Totals(start, {})
    stop = min(end, start + MAX_WINDOW)
    sums = dict(stored.sums) if stored is not None else {}
    recent = clock.epoch(moment) - (start - NEW_LOOKBACK) <= RECENT
    for series, value in window_sums(start, stop, known=set(sums), recent=recent).items():
        sums[series] = sums.get(series, 0.0) + value
    folded = Totals(stop, sums)
    if store.save(folded, stored.folded_until if stored is not None else None):
        return folded
    return store.get() or folded  # another scrape folded first: its totals hold this window too


def _listed(recent: bool) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Every series of the folded metrics that carries this service's `service` dimension."""
    cloudwatch = aws.client("cloudwatch")
    for name in FOLDED:
        request: dict[str, Any] = {
            "Namespace": _namespace(),
            "MetricName": name,
            "Dimensions": [{"Name": "service", "Value": _service()}],
        }
        if recent:
            request["RecentlyActive"] = "PT3H"
        seen: set[Dimensions] = set()
        for page in cloudwatch.get_paginator("list_metrics").paginate(**request):
            for metric in page.get("Metrics", []):
                dimensions = [{"Name": d["Name"], "Value": d["Value"]} for d in metric.get("Dimensions", [])]
                key = tuple(sorted((d["Name"], d["Value"]) for d in dimensions))
                if key not in seen:  # moto lists a series once per data point
                    seen.add(key)
                    yield name, dimensions


def _key(name: str, dimensions: list[dict[str, str]]) -> Series:
    return name, tuple(sorted((d["Name"], d["Value"]) for d in dimensions if d["Name"] != "service"))


def window_sums(
    start: int, stop: int, *, known: set[Series] | None = None, recent: bool = False
) -> dict[Series, float]:
    """Each listed series' sum over [start, stop) (epoch seconds on minute boundaries; 0 without data),
    by GetMetricData with one period spanning the window; a series not in `known` is read from
    `NEW_LOOKBACK` before `start` (ListMetrics lists a new series late)."""
    listed = list(_listed(recent))
    fresh = [(name, dims) for name, dims in listed if known is not None and _key(name, dims) not in known]
    old = [(name, dims) for name, dims in listed if known is None or _key(name, dims) in known]
    sums: dict[Series, float] = {_key(name, dims): 0.0 for name, dims in listed}
    for group, since in ((old, start), (fresh, start - NEW_LOOKBACK)):
        for series, value in _sums(group, since, stop).items():
            sums[series] += value
    return sums


def _sums(listed: list[tuple[str, list[dict[str, str]]]], start: int, stop: int) -> dict[Series, float]:
    """Each series' sum over [start, stop), in calls of 500 queries."""
    sums: dict[Series, float] = {}
    cloudwatch = aws.client("cloudwatch")
    for first in range(0, len(listed), QUERIES_PER_CALL):
        batch = listed[first : first + QUERIES_PER_CALL]
        queries = [
            {
                "Id": f"m{number}",
                "MetricStat": {
                    "Metric": {"Namespace": _namespace(), "MetricName": name, "Dimensions": dimensions},
                    "Period": stop - start,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for number, (name, dimensions) in enumerate(batch)
        ]
        request = {
            "MetricDataQueries": queries,
            "StartTime": clock.from_epoch(start),
            "EndTime": clock.from_epoch(stop),
        }
        for page in cloudwatch.get_paginator("get_metric_data").paginate(**request):
            for result in page.get("MetricDataResults", []):
                key = _key(*batch[int(result["Id"][1:])])
                sums[key] = sums.get(key, 0.0) + float(sum(result.get("Values") or []))
    return sums
