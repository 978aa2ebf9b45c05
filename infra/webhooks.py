"""The webhooks stack (docs/architecture.md, Infrastructure): the delivery queue and its dead-letter queue, the
event dispatcher (the table's stream -> delivery items -> the queue) and the delivery function (the queue ->
one signed attempt per message), with their alarms.

The queue's attributes are the ones the local stack creates it with (`contact_platform/webhooks/queue.py`).
The stack is made before the API's, which is handed `WebhooksStack.resources`: the routes that queue a
delivery (`Route.webhook_queue`: a webhook's test event, a redelivery) get the queue's URL and may send to
it, nothing else; the routes that make a signing secret (`Route.seals_webhook_secrets`) may encrypt with
the stack's KMS key (and decrypt only their own answers kept for idempotent replays), and only the
delivery function may decrypt the secrets (contact_platform/webhooks/sealing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contact_platform import config, function_settings, metrics
from contact_platform.names import pascal
from contact_platform.observability import METRICS_NAMESPACE
from contact_platform.route import Route
from contact_platform.webhooks import queue as delivery_queue
from contact_platform.webhooks.sealing import ANSWER_PURPOSE
from contact_platform.workflows import EVENT_DISPATCHER, WEBHOOK_DELIVERY, Trigger
from infra.event_stream import dispatcher_source
from infra.nag import skip_checkov
from infra.observability import alarm_on_dead_letters
from infra.platform_function import (
    SERVICE_NAME,
    XRAY_WILDCARD,
    PlatformFunction,
    common_environment,
    function_code,
    shared_layer,
)
from infra.settings import Settings
from infra.table_access import grant_delivery_access, grant_dispatcher_access

# How many delivery functions run at once, at most: each attempts its batch side by side (a POST of up to
# 10 s each), so with the batch size this bounds the requests the platform has open against subscribers, 100
# (and the table writes their outcomes make). The queue's mapping scales its pollers to the same number, so
# that no message is throttled back to the queue (a throttled receive would count toward the redrive's
# MAX_RECEIVES).
DELIVERY_CONCURRENCY = 10
DELIVERY_BATCH_SIZE = 10  # messages per invocation; the function's timeout still covers ten 10 s attempts in a row
# The failure-rate alarm: more than half of the attempts of 15 minutes failed, counted only when there were
# at least ATTEMPTS_FOR_RATE of them (a single subscriber down among few deliveries is no platform failure).
FAILURE_RATE_PERIOD = Duration.minutes(15)
FAILURE_RATE_THRESHOLD = 0.5
ATTEMPTS_FOR_RATE = 10
ATTEMPTS_METRIC = metrics.WEBHOOK_ATTEMPTS  # emitted by the delivery function (EMF: contact_platform/metrics.py)
FAILED_ATTEMPTS_METRIC = metrics.WEBHOOK_ATTEMPTS_FAILED

SQS_MANAGED_KEYS = (
    "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which checkov does not recognize; a KMS "
    "key would add a key policy and KMS calls to every message, which holds IDs only (tenant, webhook, delivery)"
)
STREAM_MAPPING_DLQ = (
    "Invoked by the stream's event source mapping, never asynchronously: records that fail every retry go to "
    "the mapping's on-failure queue; a function dead-letter queue applies to asynchronous invocations only"
)
QUEUE_MAPPING_DLQ = (
    "Invoked by the queue's event source mapping, never asynchronously: a message that keeps failing goes to the "
    "queue's redrive dead-letter queue; a function dead-letter queue applies to asynchronous invocations only"
)
STREAM_WILDCARD = (
    f"{XRAY_WILDCARD}; nor does dynamodb:ListStreams, which the stream's event source mapping needs "
    "(its reads of the stream are granted on the stream's ARN)"
)


@dataclass(frozen=True)
class WebhookResources:
    """What the API's route functions are given from the webhooks stack."""

    queue: sqs.IQueue  # the delivery queue
    secrets_key: kms.IKey  # seals the signing secrets


def route_webhook_environment(route: Route, webhooks: WebhookResources) -> dict[str, str]:
    """The delivery queue's URL for the routes that queue a delivery, the secrets' key for those that
    seal a secret; nothing for the others."""
    environment = {config.ENV_WEBHOOK_QUEUE_URL: webhooks.queue.queue_url} if route.webhook_queue else {}
    if route.seals_webhook_secrets:
        environment[config.ENV_WEBHOOK_SECRETS_KEY] = webhooks.secrets_key.key_arn
    return environment


def grant_route_webhook_access(role: iam.IRole, route: Route, webhooks: WebhookResources) -> None:
    """sqs:SendMessage on the delivery queue for the routes that queue a delivery, kms:Encrypt with the
    secrets' key for those that seal a secret (and kms:Decrypt of their sealed answers); nothing for
    the others."""
    if route.webhook_queue:
        webhooks.queue.grant(role, "sqs:SendMessage")
    if route.seals_webhook_secrets:
        webhooks.secrets_key.grant(role, "kms:Encrypt")
        # Its own answers kept for an Idempotency-Key's replays, and nothing else (a sealed secret has
        # no `purpose` in its encryption context).
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[webhooks.secrets_key.key_arn],
                conditions={"StringEquals": {"kms:EncryptionContext:purpose": ANSWER_PURPOSE}},
            )
        )


def _queue(scope: Construct, construct_id: str, **kwargs: Any) -> sqs.Queue:
    """An encrypted, TLS-only queue."""
    queue = sqs.Queue(scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **kwargs)
    skip_checkov(queue, {"CKV_AWS_27": SQS_MANAGED_KEYS})
    return queue


def alarm_on_failure_rate(scope: Construct, topic: sns.ITopic) -> cloudwatch.Alarm:
    """More than half of the delivery attempts of 15 minutes failed, out of at least ATTEMPTS_FOR_RATE.

    The metrics carry the one dimension Powertools gives them, `service` (POWERTOOLS_SERVICE_NAME)."""
    dimensions = {"service": SERVICE_NAME}
    attempts, failed = (
        cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map=dimensions,
            statistic="Sum",
            period=FAILURE_RATE_PERIOD,
        )
        for name in (ATTEMPTS_METRIC, FAILED_ATTEMPTS_METRIC)
    )
    rate = cloudwatch.MathExpression(
        expression=f"IF(attempts >= {ATTEMPTS_FOR_RATE}, failed / attempts, 0)",
        using_metrics={"attempts": attempts, "failed": failed},
        period=FAILURE_RATE_PERIOD,
        label="Share of webhook delivery attempts that failed",
    )
    alarm = rate.create_alarm(
        scope,
        "FailureRateAlarm",
        alarm_description=f"{scope.node.path}: more than {FAILURE_RATE_THRESHOLD:.0%} of the webhook delivery "
        f"attempts of {FAILURE_RATE_PERIOD.to_minutes()} minutes failed (at least {ATTEMPTS_FOR_RATE} attempts): "
        "subscribers are down or the function cannot reach them",
        threshold=FAILURE_RATE_THRESHOLD,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


class WebhooksStack(Stack):
    """The delivery queue, the event dispatcher and the delivery function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        table: dynamodb.ITable,
        alarm_topic: sns.ITopic,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._code = function_code()
        self._layer = shared_layer(self, settings.layer_path)
        self._alarm_topic = alarm_topic

        queues = Construct(self, "DeliveryQueue")
        self.dead_letters = _queue(
            queues, "DeadLetters", retention_period=Duration.seconds(delivery_queue.DEAD_LETTER_RETENTION_SECONDS)
        )
        alarm_on_dead_letters(queues, self.dead_letters, alarm_topic)
        # Where an operator moves stuck messages back from (docs/architecture.md, "Failure queues").
        CfnOutput(self, "DeliveryDeadLettersArn", value=self.dead_letters.queue_arn)
        self.queue = _queue(
            queues,
            "Queue",
            visibility_timeout=Duration.seconds(delivery_queue.VISIBILITY_TIMEOUT_SECONDS),
            retention_period=Duration.seconds(delivery_queue.RETENTION_SECONDS),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=delivery_queue.MAX_RECEIVES, queue=self.dead_letters
            ),
        )
        self.secrets_key = kms.Key(
            self, "SigningSecretsKey", description="Seals webhook signing secrets", enable_key_rotation=True
        )
        self._environment = {
            **common_environment(table.table_name, settings.dev_mode),
            config.ENV_WEBHOOK_QUEUE_URL: self.queue.queue_url,
            config.ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL: self.dead_letters.queue_url,
            config.ENV_WEBHOOK_SECRETS_KEY: self.secrets_key.key_arn,
        }
        self.dispatcher = self._dispatcher(table)
        self.delivery = self._delivery(table)
        self.resources = WebhookResources(queue=self.queue, secrets_key=self.secrets_key)

    def _function(self, scope: Construct, trigger: Trigger, **kwargs: Any) -> PlatformFunction:
        return PlatformFunction(
            scope,
            "Handler",
            handler=trigger.handler,
            description=trigger.summary,
            code=self._code,
            layer=self._layer,
            environment=self._environment,
            alarm_topic=self._alarm_topic,
            settings=function_settings.for_trigger(trigger),
            **kwargs,
        )

    def _dispatcher(self, table: dynamodb.ITable) -> PlatformFunction:
        scope = Construct(self, pascal(EVENT_DISPATCHER.name))
        function = self._function(
            scope, EVENT_DISPATCHER, no_dead_letter_queue=STREAM_MAPPING_DLQ, wildcard_reason=STREAM_WILDCARD
        )
        # Where the mapping reports the stream records that failed every retry (infra/event_stream.py).
        failures = _queue(scope, "Failures", retention_period=Duration.days(14))
        Validations.of(failures).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="This queue is a dead-letter queue: the stream mapping's on-failure destination (records that "
                "failed every retry), which cdk-nag recognizes only in another queue's redrive policy",
            )
        )
        alarm_on_dead_letters(scope, failures, self._alarm_topic)
        # What an operator names to `cdp events redispatch` (docs/architecture.md, "Failure queues").
        CfnOutput(self, "DispatchFailuresQueueUrl", value=failures.queue_url)
        CfnOutput(self, "EventDispatcherName", value=function.function.function_name)
        function.function.add_event_source(dispatcher_source(table, on_failure=event_sources.SqsDlq(failures)))
        grant_dispatcher_access(function.role, table)
        self.queue.grant(function.role, "sqs:SendMessage")  # SendMessageBatch is authorized as SendMessage
        return function

    def _delivery(self, table: dynamodb.ITable) -> PlatformFunction:
        scope = Construct(self, pascal(WEBHOOK_DELIVERY.name))
        function = self._function(
            scope, WEBHOOK_DELIVERY, no_dead_letter_queue=QUEUE_MAPPING_DLQ, reserved_concurrency=DELIVERY_CONCURRENCY
        )
        # Receiving, deleting and hiding messages (ChangeMessageVisibility: a retry's delay) come with the mapping.
        function.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=DELIVERY_BATCH_SIZE,
                report_batch_item_failures=True,
                max_concurrency=DELIVERY_CONCURRENCY,
            )
        )
        grant_delivery_access(function.role, table)
        self.secrets_key.grant_decrypt(function.role)  # opens the signing secrets; nothing else may
        self.dead_letters.grant(function.role, "sqs:SendMessage")  # deliveries out of attempts, with their error
        alarm_on_failure_rate(scope, self._alarm_topic)
        return function
