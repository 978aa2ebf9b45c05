"""The webhook path (infra/webhooks.py): the delivery queue with the attributes the local stack gives it, the
delivery function on it (partial batch failures, reserved concurrency), the grants of the dispatcher, the
delivery function and the routes that queue a delivery, and the alarms on the dead letters and the failure rate.
The stream side of the dispatcher is in tests/infra/test_infra_event_stream.py."""

from __future__ import annotations

import json

import pytest

from contact_platform import config, metrics
from contact_platform.observability import METRICS_NAMESPACE
from contact_platform.route import Route
from contact_platform.routes import ROUTES
from contact_platform.webhooks import queue as delivery_queue
from contact_platform.webhooks.sealing import ANSWER_PURPOSE
from contact_platform.workflows import EVENT_DISPATCHER, WEBHOOK_DELIVERY
from infra.webhooks import ATTEMPTS_METRIC, DELIVERY_CONCURRENCY, FAILED_ATTEMPTS_METRIC
from tests.infra.synthesized import Assembly, Found, Json, actions, resources_of

pytestmark = pytest.mark.xdist_group("infra")

LAMBDA = "AWS::Lambda::Function"
QUEUE = "AWS::SQS::Queue"
ALARM = "AWS::CloudWatch::Alarm"
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}


def function_of(assembly: Assembly, handler: str) -> Found:
    (found,) = [f for f in assembly.resources(LAMBDA) if f.properties["Handler"] == handler]
    return found


def delivery_queues(assembly: Assembly) -> tuple[Found, Found]:
    """The delivery queue (the one with a redrive policy) and its dead-letter queue."""
    (queue,) = [q for q in assembly.resources(QUEUE) if "RedrivePolicy" in q.properties]
    dead_letters = assembly.referenced(queue, queue.properties["RedrivePolicy"]["deadLetterTargetArn"], QUEUE)
    return queue, dead_letters


def sqs_grants(assembly: Assembly, function: Found) -> dict[str, set[str]]:
    """Queue logical ID -> the SQS actions the function's role has on it."""
    grants: dict[str, set[str]] = {}
    for statement in assembly.statements_of(function):
        sqs_actions = {action for action in actions(statement) if action.startswith("sqs:")}
        if sqs_actions:
            assert statement["Effect"] == "Allow" and "*" not in str(sqs_actions), statement
            for resource in resources_of(statement):
                queue = assembly.referenced(function, resource, QUEUE)
                grants.setdefault(queue.logical_id, set()).update(sqs_actions)
    return grants


def table_grants(assembly: Assembly, function: Found) -> set[str]:
    return {a for s in assembly.statements_of(function) for a in actions(s) if a.startswith("dynamodb:")}


def variables(function: Found) -> Json:
    found: Json = function.properties["Environment"]["Variables"]
    return found


def queue_alarm(assembly: Assembly, queue: Found) -> Found:
    (found,) = [
        a
        for a in assembly.resources(ALARM)
        if a.properties.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and assembly.referenced(a, a.properties["Dimensions"][0]["Value"], QUEUE) == queue
    ]
    return found


def test_the_delivery_queue_has_the_attributes_the_local_stack_gives_it(assembly: Assembly) -> None:
    queue, dead_letters = delivery_queues(assembly)
    assert queue.properties["VisibilityTimeout"] == delivery_queue.VISIBILITY_TIMEOUT_SECONDS
    assert queue.properties["MessageRetentionPeriod"] == delivery_queue.RETENTION_SECONDS
    assert queue.properties["RedrivePolicy"]["maxReceiveCount"] == delivery_queue.MAX_RECEIVES
    assert dead_letters.properties["MessageRetentionPeriod"] == delivery_queue.DEAD_LETTER_RETENTION_SECONDS
    # a message whose handling crashed comes back only after the function has timed out
    delivery = function_of(assembly, WEBHOOK_DELIVERY.handler)
    assert queue.properties["VisibilityTimeout"] >= 6 * delivery.properties["Timeout"]
    for found in (queue, dead_letters):
        assert found.properties["SqsManagedSseEnabled"] is True
        denials = [
            statement
            for policy in assembly.resources("AWS::SQS::QueuePolicy")
            if found in assembly.targets(policy.template, policy.properties["Queues"])
            for statement in policy.properties["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Deny"
        ]
        assert [s["Condition"] for s in denials] == [TLS_ONLY]


def test_the_delivery_function_takes_the_queue_in_batches_reporting_each_failed_message(assembly: Assembly) -> None:
    queue, _ = delivery_queues(assembly)
    (mapping,) = [
        m
        for m in assembly.resources("AWS::Lambda::EventSourceMapping")
        if queue in assembly.targets(m.template, m.properties["EventSourceArn"])
    ]
    function = assembly.referenced(mapping, mapping.properties["FunctionName"], LAMBDA)
    assert function.properties["Handler"] == WEBHOOK_DELIVERY.handler
    assert mapping.properties["BatchSize"] == 10
    assert mapping.properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # concurrent POSTs to subscribers are bounded; the pollers never outrun the reservation (no throttled receives)
    reserved = function.properties["ReservedConcurrentExecutions"]
    assert reserved == DELIVERY_CONCURRENCY == 10
    assert mapping.properties["ScalingConfig"]["MaximumConcurrency"] <= reserved
    assert "DeadLetterConfig" not in function.properties  # never invoked asynchronously


def test_both_webhook_functions_are_told_both_queue_urls(assembly: Assembly) -> None:
    queue, dead_letters = delivery_queues(assembly)
    for trigger in (EVENT_DISPATCHER, WEBHOOK_DELIVERY):
        function = function_of(assembly, trigger.handler)
        found = variables(function)
        assert assembly.referenced(function, found[config.ENV_WEBHOOK_QUEUE_URL], QUEUE) == queue
        assert assembly.referenced(function, found[config.ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL], QUEUE) == dead_letters


def test_the_dispatcher_may_read_the_stream_and_webhooks_write_deliveries_and_queue_them(assembly: Assembly) -> None:
    queue, _ = delivery_queues(assembly)
    function = function_of(assembly, EVENT_DISPATCHER.handler)
    grants = sqs_grants(assembly, function)
    assert grants.pop(queue.logical_id) == {"sqs:SendMessage"}
    (failures,) = grants  # the stream mapping's on-failure queue (tests/infra/test_infra_event_stream.py)
    assert grants[failures] == {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert table_grants(assembly, function) == {
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:ListStreams",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }


def test_only_the_stream_mappings_failure_queue_is_acknowledged_as_a_dead_letter_queue(assembly: Assembly) -> None:
    """cdk-nag knows a dead-letter queue by another queue's redrive policy only (AwsSolutions-SQS3)."""
    (mapping,) = [
        m for m in assembly.resources("AWS::Lambda::EventSourceMapping") if "StartingPosition" in m.properties
    ]
    failures = assembly.referenced(mapping, mapping.properties["DestinationConfig"]["OnFailure"]["Destination"], QUEUE)
    acknowledged = [
        queue
        for queue in assembly.resources(QUEUE)
        if any(
            rule["id"] == "AwsSolutions-SQS3"
            for rule in queue.body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        )
    ]
    assert acknowledged == [failures]


def test_the_delivery_function_may_consume_its_queue_and_send_only_to_the_dead_letters(assembly: Assembly) -> None:
    queue, dead_letters = delivery_queues(assembly)
    function = function_of(assembly, WEBHOOK_DELIVERY.handler)
    assert sqs_grants(assembly, function) == {queue.logical_id: CONSUME, dead_letters.logical_id: {"sqs:SendMessage"}}
    assert table_grants(assembly, function) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_only_the_routes_that_queue_a_delivery_may_send_to_the_queue(assembly: Assembly, route: Route) -> None:
    queue, _ = delivery_queues(assembly)
    function = function_of(assembly, route.handler)
    found = variables(function)
    assert config.ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL not in found
    if route.webhook_queue:
        assert sqs_grants(assembly, function) == {queue.logical_id: {"sqs:SendMessage"}}
        assert assembly.referenced(function, found[config.ENV_WEBHOOK_QUEUE_URL], QUEUE) == queue
    else:
        assert sqs_grants(assembly, function) == {}
        assert config.ENV_WEBHOOK_QUEUE_URL not in found


def test_the_queueing_routes_are_the_test_event_the_redelivery_and_the_recovery() -> None:
    queueing = {route.name for route in ROUTES if route.webhook_queue}
    assert queueing == {"test_webhook", "redeliver_webhook_delivery", "recover_webhook"}


def test_a_dead_lettered_delivery_alarms(assembly: Assembly) -> None:
    _, dead_letters = delivery_queues(assembly)
    alarm = queue_alarm(assembly, dead_letters)
    assert alarm.properties["Threshold"] == 1
    assert alarm.properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_more_than_half_of_the_attempts_failing_alarms(assembly: Assembly) -> None:
    """failed / attempts over 15 minutes above 0.5, once there were 10 attempts, from the metrics the delivery
    function emits (EMF, with Powertools' one dimension `service` = POWERTOOLS_SERVICE_NAME)."""
    (alarm,) = [a for a in assembly.resources(ALARM) if "Metrics" in a.properties]
    properties = alarm.properties
    assert properties["Threshold"] == 0.5
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"
    assert properties["TreatMissingData"] == "notBreaching"
    queries = {query["Id"]: query for query in properties["Metrics"]}
    (expression,) = [query for query in queries.values() if "Expression" in query]
    assert expression["ReturnData"] is True
    assert expression["Expression"] == "IF(attempts >= 10, failed / attempts, 0)"
    service = variables(function_of(assembly, WEBHOOK_DELIVERY.handler))["POWERTOOLS_SERVICE_NAME"]
    for query_id, name in (("attempts", ATTEMPTS_METRIC), ("failed", FAILED_ATTEMPTS_METRIC)):
        stat = queries[query_id]["MetricStat"]
        assert (stat["Period"], stat["Stat"]) == (900, "Sum")
        assert stat["Metric"] == {
            "Namespace": METRICS_NAMESPACE,
            "MetricName": name,
            "Dimensions": [{"Name": "service", "Value": service}],
        }
    # What the delivery attempts record (contact_platform/metrics.py), with `service` alone as their dimension
    # (tests/unit/test_metrics_emf.py reads the EMF lines).
    assert (ATTEMPTS_METRIC, FAILED_ATTEMPTS_METRIC) == (metrics.WEBHOOK_ATTEMPTS, metrics.WEBHOOK_ATTEMPTS_FAILED)


def test_the_webhooks_stack_is_deployed_before_the_api(assembly: Assembly) -> None:
    manifest = json.loads((assembly.directory / "manifest.json").read_text())
    assert "ContactPlatformWebhooks" in manifest["artifacts"]["ContactPlatformApi"]["dependencies"]


def signing_key(assembly: Assembly) -> Found:
    (key,) = [
        k for k in assembly.resources("AWS::KMS::Key") if k.properties["Description"] == "Seals webhook signing secrets"
    ]
    return key


def kms_grants(assembly: Assembly, function: Found, key: Found) -> set[str]:
    """The KMS actions the function's role has on the key, a conditioned one as `<action> if <condition>`."""
    return {
        f"{action} if {json.dumps(statement['Condition'], sort_keys=True)}" if "Condition" in statement else action
        for statement in assembly.statements_of(function)
        if any(key in assembly.targets(function.template, resource) for resource in resources_of(statement))
        for action in actions(statement)
        if action.startswith("kms:")
    }


def test_only_the_delivery_function_opens_signing_secrets_and_only_the_routes_that_make_one_seal(
    assembly: Assembly,
) -> None:
    key = signing_key(assembly)
    assert key.properties["EnableKeyRotation"] is True
    granted = {
        function.properties["Handler"]: found
        for function in assembly.resources(LAMBDA)
        if (found := kms_grants(assembly, function, key))
    }
    sealing = {route.handler for route in ROUTES if route.seals_webhook_secrets}
    assert {route.name for route in ROUTES if route.seals_webhook_secrets} == {
        "create_webhook",
        "rotate_webhook_secret",
    }
    assert set(granted) == {WEBHOOK_DELIVERY.handler, *sealing}
    assert granted[WEBHOOK_DELIVERY.handler] == {"kms:Decrypt"}
    own_answers = json.dumps({"StringEquals": {"kms:EncryptionContext:purpose": ANSWER_PURPOSE}}, sort_keys=True)
    for handler in sealing:
        assert granted[handler] == {"kms:Encrypt", f"kms:Decrypt if {own_answers}"}, granted[handler]
        function = function_of(assembly, handler)
        assert (
            assembly.referenced(function, variables(function)[config.ENV_WEBHOOK_SECRETS_KEY], "AWS::KMS::Key") == key
        )


def test_the_stack_names_what_an_operator_hands_back_from_its_failure_queues(assembly: Assembly) -> None:
    """The operator's remedies (docs/architecture.md, "Failure queues"): a stream batch the dispatcher
    failed on every retry waits in the mapping's on-failure queue, and `cdp events redispatch` reads
    it from there and invokes the dispatcher (local/failure_queues.py); a delivery's message that
    kept failing is moved back from the delivery's dead-letter queue by SQS."""
    (mapping,) = [
        m for m in assembly.resources("AWS::Lambda::EventSourceMapping") if "StartingPosition" in m.properties
    ]
    failures = assembly.referenced(mapping, mapping.properties["DestinationConfig"]["OnFailure"]["Destination"], QUEUE)
    dispatcher = function_of(assembly, EVENT_DISPATCHER.handler)
    outputs = failures.template.body["Outputs"]
    assert outputs["DispatchFailuresQueueUrl"]["Value"] == {"Ref": failures.logical_id}
    assert outputs["EventDispatcherName"]["Value"] == {"Ref": dispatcher.logical_id}
    _, dead_letters = delivery_queues(assembly)  # moved back to the delivery queue by SQS itself
    assert outputs["DeliveryDeadLettersArn"]["Value"] == {"Fn::GetAtt": [dead_letters.logical_id, "Arn"]}
