"""What the `GET /metrics` function needs on AWS (docs/architecture.md, "Metrics"): CloudWatch reads of the
platform's EMF metrics and the one item holding their folded totals, and nothing of the table's records."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from contact_platform.route import Route
from contact_platform.services.metrics_report import CLOUDWATCH, ENV_METRICS_SOURCE
from contact_platform.store.metrics import METRICS_PK
from infra.platform_function import XRAY_WILDCARD

# ListMetrics lists the namespace's series, GetMetricData reads a window's sums; neither supports resource-level
# permissions or a namespace condition (the namespace is named in every request: services/metrics_fold.py).
CLOUDWATCH_READ_ACTIONS = ("cloudwatch:ListMetrics", "cloudwatch:GetMetricData")
# The totals item: read, and written back by a conditional PutItem (store/metrics.py).
TOTALS_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem")
METRICS_WILDCARD = (
    f"{XRAY_WILDCARD}; nor do cloudwatch:ListMetrics and cloudwatch:GetMetricData, with which GET /metrics reads "
    "the platform's own namespace back (read-only; no resource or namespace scoping exists for them)"
)


def route_metrics_environment(route: Route) -> dict[str, str]:
    """`METRICS_SOURCE=cloudwatch` for the metrics route (locally it reads its own process); nothing for others."""
    return {ENV_METRICS_SOURCE: CLOUDWATCH} if route.reads_metrics else {}


def grant_metrics_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    """The CloudWatch reads, and GetItem/PutItem on the `METRICS` partition only (dynamodb:LeadingKeys)."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(CLOUDWATCH_READ_ACTIONS), resources=["*"]))
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(TOTALS_ACTIONS),
            resources=[table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [METRICS_PK]}},
        )
    )
