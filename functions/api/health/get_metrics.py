"""GET /metrics: the platform's figures as Prometheus text, no key needed (docs/architecture.md,
"Metrics"): requests by route and status class, errors, exports by type and status, job durations
as histograms, webhook deliveries by outcome; no tenant or user label."""

from contact_platform.http.endpoint import PlainText, endpoint
from contact_platform.services.metrics_report import CONTENT_TYPE, exposition


@endpoint("get_metrics")
def get_metrics() -> PlainText:
    """Prometheus text exposition (format 0.0.4) of platform-wide counters and histograms."""
    return PlainText(exposition(), CONTENT_TYPE)


handler = get_metrics.handler
