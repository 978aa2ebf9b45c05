"""One platform Lambda function: arm64, Python 3.12, the shared layer, its own role and log group, an alarm."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Acknowledgment, Duration, IgnoreMode, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contact_platform import config, function_settings, metrics
from contact_platform.function_settings import FunctionSettings
from infra.nag import skip_checkov
from infra.observability import alarm_on_function_errors
from infra.settings import REPO_ROOT

RUNTIME = next(runtime for runtime in lambda_.Runtime.ALL if runtime.name == function_settings.RUNTIME)
ARCHITECTURE = lambda_.Architecture.custom(function_settings.ARCHITECTURE)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH

# The code asset is the repository root reduced to `functions/`, so handlers keep their import path
# (`functions.api.contacts.get_contact.handler`); the shared package comes from the layer.
_CODE_EXCLUDES = ["*", ".*", "!functions", "!functions/**", "__pycache__", "*.pyc"]

# checkov's findings on every function and log group, and why they do not apply (docs/architecture.md,
# Infrastructure).
LOG_GROUP_KMS = (
    "CloudWatch Logs encrypts every log group at rest; the logs hold no secret (keys are logged by prefix only), "
    "so a customer-managed KMS key would add a key policy and cost, not protection"
)
FUNCTION_SKIPS = {
    "CKV_AWS_117": "No VPC: the functions reach only DynamoDB, S3, SQS, Step Functions and Secrets Manager "
    "through their IAM-authorized public endpoints (and the webhook delivery function subscribers' public HTTPS "
    "URLs); a VPC would add NAT or endpoints and cold-start time",
    "CKV_AWS_115": "No reserved concurrency per function: traffic is bounded by stage throttling and per-key rate "
    "limits, jobs by their Map's MaxConcurrency; reserving would split the account's pool across 50 functions "
    "(only the webhook delivery function reserves: it bounds the POSTs to subscribers)",
    "CKV_AWS_173": "The environment holds names, URLs and ARNs only (table, buckets, queues, state machines, the "
    "cursor secret's ARN), no secret; Lambda encrypts it at rest with its service key",
}
SYNCHRONOUS_DLQ = (
    "Invoked synchronously (API Gateway, the authorizer, Step Functions tasks): a failure goes back to the caller "
    "or the state machine's Retry/Catch; a dead-letter queue applies to asynchronous invocations only"
)
XRAY_WILDCARD = "X-Ray tracing: xray:PutTraceSegments and PutTelemetryRecords support no resource scoping"
# What Powertools names the functions' logs and the `service` dimension of their EMF metrics (the alarms on
# those metrics name it too: infra/webhooks.py).
SERVICE_NAME = metrics.SERVICE


def function_code() -> lambda_.Code:
    """The functions' code asset: one instance per stack (CDK binds an asset to one stack), one upload."""
    return lambda_.Code.from_asset(str(REPO_ROOT), exclude=_CODE_EXCLUDES, ignore_mode=IgnoreMode.GLOB)


def common_environment(table_name: str, dev_mode: bool) -> dict[str, str]:
    """What every platform function is told: Powertools settings (the EMF namespace and `service` dimension of
    its metrics: docs/architecture.md, "Metrics"), the table, dev mode."""
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": metrics.NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "LOG_LEVEL": "INFO",
        config.ENV_TABLE_NAME: table_name,
        config.ENV_DEV_MODE: "true" if dev_mode else "false",
    }


def shared_layer(scope: Construct, layer_path: Path) -> lambda_.LayerVersion:
    """The layer `make layer` builds: `python/` with contact_platform and its dependencies for arm64/3.12."""
    return lambda_.LayerVersion(
        scope,
        "CommonLayer",
        code=lambda_.Code.from_asset(str(layer_path), exclude=[".built"]),
        compatible_architectures=[ARCHITECTURE],
        compatible_runtimes=[RUNTIME],
        description="contact_platform and its runtime dependencies",
    )


class PlatformFunction(Construct):
    """A function with its own least-privilege role (no managed policies), log group and error alarm.

    Callers grant what the handler needs on `role`; logs and X-Ray are granted here. Functions invoked
    asynchronously (S3 events, schedules) pass a `dead_letter_queue` for events that fail every retry; the
    others say why they have none (`no_dead_letter_queue`: invoked synchronously unless told otherwise).
    A function whose concurrency must be bounded passes `reserved_concurrency`, with its reason.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: str,
        description: str,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        environment: dict[str, str],
        alarm_topic: sns.ITopic,
        settings: FunctionSettings = function_settings.ROUTE,
        dead_letter_queue: sqs.IQueue | None = None,
        retry_attempts: int | None = None,
        no_dead_letter_queue: str = SYNCHRONOUS_DLQ,
        reserved_concurrency: int | None = None,
        wildcard_reason: str = XRAY_WILDCARD,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION)
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=f"Runs {handler}"
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            handler=handler,
            description=description,
            code=code,
            layers=[layer],
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            memory_size=settings.memory_mb,
            timeout=Duration.seconds(settings.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            role=self.role,
            log_group=self.log_group,
            environment=environment,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=retry_attempts,
            reserved_concurrent_executions=reserved_concurrency,
        )
        alarm_on_function_errors(self, self.function, alarm_topic)
        skip_checkov(self.log_group, {"CKV_AWS_158": LOG_GROUP_KMS})
        skips = dict(FUNCTION_SKIPS)
        if reserved_concurrency is not None:
            del skips["CKV_AWS_115"]
        if dead_letter_queue is None:
            skips["CKV_AWS_116"] = no_dead_letter_queue
        skip_checkov(self.function, skips)
        Validations.of(self.function.node.default_child or self.function).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.12 is the platform's pinned runtime (docs/architecture.md, Infrastructure): "
                "the layer is built for cp312",
            )
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=wildcard_reason)
        )
