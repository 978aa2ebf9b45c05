"""Alarms and where they go: one encrypted SNS topic, an error alarm per function, a 5XX alarm per API,
a depth alarm per dead-letter queue, and an alarm when the scheduled cleanup stops finishing its runs."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from contact_platform import metrics

ALARM_PERIOD = Duration.minutes(5)


class ObservabilityStack(Stack):
    """The alarm topic every stack's alarms notify (KMS-encrypted, TLS only, optional e-mail subscriber)."""

    def __init__(self, scope: Construct, construct_id: str, *, alarm_email: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        cloudwatch_service = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key = kms.Key(self, "AlarmTopicKey", description="Encrypts the alarm topic", enable_key_rotation=True)
        # CloudWatch publishes alarm notifications itself, so it needs the key (AWS-managed keys cannot grant it).
        key.grant(cloudwatch_service, "kms:Decrypt", "kms:GenerateDataKey*")
        self.alarm_topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True)
        # enforce_ssl replaces the default topic policy: allow this account's alarms to publish explicitly.
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[cloudwatch_service],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        if alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))


def _alarm_on_any(
    scope: Construct, construct_id: str, metric: cloudwatch.Metric, description: str, topic: sns.ITopic
) -> cloudwatch.Alarm:
    """An alarm (to the topic) as soon as the metric's sum in a period reaches 1."""
    alarm = metric.create_alarm(
        scope,
        construct_id,
        alarm_description=description,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
    return alarm


def alarm_on_function_errors(scope: Construct, function: lambda_.Function, topic: sns.ITopic) -> cloudwatch.Alarm:
    """Any invocation error (unhandled exception, timeout, out of memory) in a period."""
    metric = function.metric_errors(period=ALARM_PERIOD, statistic="Sum")
    return _alarm_on_any(
        scope, "ErrorsAlarm", metric, f"{scope.node.path}: the function failed (see its log group)", topic
    )


def alarm_on_server_errors(scope: Construct, api: apigw.RestApi, topic: sns.ITopic) -> cloudwatch.Alarm:
    """Any 5XX answered by the API (integration failures, timeouts, authorizer errors) in a period."""
    metric = api.metric_server_error(period=ALARM_PERIOD, statistic="Sum")
    description = "The API answered with 5XX (see the access log and the route functions' alarms)"
    return _alarm_on_any(scope, "ServerErrorsAlarm", metric, description, topic)


def alarm_on_dead_letters(scope: Construct, queue: sqs.IQueue, topic: sns.ITopic) -> cloudwatch.Alarm:
    """Any message waiting in a dead-letter queue: an event that failed every retry."""
    metric = queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD, statistic="Maximum")
    description = f"{scope.node.path}: an event failed every attempt and waits in the dead-letter queue"
    return _alarm_on_any(scope, "DeadLettersAlarm", metric, description, topic)


CLEANUP_SILENCE_HOURS = 6  # hourly runs: six in a row without a finished one


def alarm_on_cleanup_silence(scope: Construct, topic: sns.ITopic) -> cloudwatch.Alarm:
    """No run of the scheduled cleanup went through every due item (`CleanupRuns`, finished "true") in
    CLEANUP_SILENCE_HOURS hours: its schedule stopped, it keeps failing, or its backlog outgrows its
    runs. Soft-deleted data is then kept past its 90 days.

    Silence is the metric's absence, so the topic hears of the alarm going to INSUFFICIENT_DATA (no
    finished run in the window). Missing data is not counted as breaching: that would alarm right
    after the first deployment, before the first run; a new alarm's initial INSUFFICIENT_DATA notifies
    nobody."""
    finished = cloudwatch.Metric(
        namespace=metrics.NAMESPACE,
        metric_name=metrics.CLEANUP_RUNS,
        dimensions_map={"service": metrics.SERVICE, "finished": "true"},
        statistic="Sum",
        period=Duration.hours(1),
    )
    alarm = finished.create_alarm(
        scope,
        "SilenceAlarm",
        alarm_description=f"{scope.node.path}: no run of the scheduled cleanup finished in {CLEANUP_SILENCE_HOURS} "
        "hours, so records deleted 90 days ago are not purged (see the function's log group and its alarms)",
        threshold=1,
        evaluation_periods=CLEANUP_SILENCE_HOURS,
        datapoints_to_alarm=CLEANUP_SILENCE_HOURS,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.MISSING,
    )
    alarm.add_insufficient_data_action(cloudwatch_actions.SnsAction(topic))
    return alarm
