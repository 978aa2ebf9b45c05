"""Scraping `GET /metrics` through the API harness and reading its Prometheus text with the
`prometheus_client` parser (what a Prometheus server accepts), and turning EMF log lines into
CloudWatch data points as CloudWatch Logs does on AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from local.gateway import Gateway
from tests.support.fixtures import Api

# Every label a family of `GET /metrics` may carry: platform-wide, never a tenant, user, key or record.
ALLOWED_LABELS = {"route", "status_class", "function", "job", "status", "export_type", "outcome", "finished", "le"}


@dataclass
class Scrape:
    status: int
    headers: dict[str, str]
    text: str
    families: dict[str, Metric]

    def value(self, sample: str, **labels: str) -> float:
        """The value of the sample of that name and labels (0 when it is absent, as for a counter
        that has not counted yet)."""
        for family in self.families.values():
            for found in family.samples:
                if found.name == sample and found.labels == labels:
                    return float(found.value)
        return 0.0

    def label_names(self) -> set[str]:
        return {name for family in self.families.values() for sample in family.samples for name in sample.labels}


def scrape(api: Api) -> Scrape:
    event = Gateway.request_event("GET", "/metrics", [("Accept", "text/plain")], b"", "203.0.113.9")
    response = api.gateway.handle(event, 0)
    text = str(response.get("body") or "")
    families = {family.name: family for family in text_string_to_metric_families(text)}
    return Scrape(int(response["statusCode"]), dict(response.get("headers") or {}), text, families)


def emf_documents(output: str) -> list[dict[str, Any]]:
    """The EMF documents among printed lines."""
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def ingest(cloudwatch: Any, documents: list[dict[str, Any]], at: datetime | None = None) -> int:
    """PutMetricData of every metric of every EMF document (timestamped `at` instead of the
    document's own time when given): what CloudWatch Logs extracts from EMF lines. The data points put."""
    put = 0
    for document in documents:
        meta = document["_aws"]
        timestamp = at or datetime.fromtimestamp(meta["Timestamp"] / 1000).astimezone()
        for directive in meta["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set]
                data = []
                for metric in directive["Metrics"]:
                    values = document[metric["Name"]]
                    for value in values if isinstance(values, list) else [values]:
                        data.append(
                            {
                                "MetricName": metric["Name"],
                                "Dimensions": dimensions,
                                "Timestamp": timestamp,
                                "Value": float(value),
                                "Unit": metric.get("Unit", "None"),
                            }
                        )
                cloudwatch.put_metric_data(Namespace=directive["Namespace"], MetricData=data)
                put += len(data)
    return put
