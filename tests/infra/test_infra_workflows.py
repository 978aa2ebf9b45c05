"""The workflow table drives the jobs: a function per step and trigger, a state machine per workflow running
its ASL file with every substitution bound to a step function of its own, private short-lived buckets,
the S3 upload and schedule triggers with dead-letter queues (the webhook triggers, invoked by event source
mappings, have none: tests/infra/test_infra_webhooks.py), and route functions that may start only their
own job and touch only their job's files. The campaign exports' hand-off buckets: tests/infra/test_infra_handoff.py."""

from __future__ import annotations

import json
import re

import pytest

from contact_platform import config, metrics
from contact_platform.names import pascal
from contact_platform.route import Route
from contact_platform.routes import ROUTES
from contact_platform.workflows import (
    CLEANUP,
    EVENT_DISPATCHER,
    S3_UPLOAD,
    TRIGGERS,
    WEBHOOK_DELIVERY,
    WORKFLOWS,
    WORKFLOWS_BY_NAME,
    Step,
    Trigger,
    Workflow,
)
from infra.job_files import USER_EXPORT_ERASURE_ROUTES
from infra.nag import flatten
from tests.infra.synthesized import Assembly, Found, Json, actions, resources_of

pytestmark = pytest.mark.xdist_group("infra")

JOBS_STACK = "ContactPlatformJobs"
LAMBDA = "AWS::Lambda::Function"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
STEPS = [step for workflow in WORKFLOWS for step in workflow.steps]
BULK_STEPS = {"plan", "process_chunk", "finalize"}
SIGNED_URL_WORKFLOWS = {"exports", "imports", "campaign_exports"}
HANDOFF_VARIABLES = {config.ENV_SCORING_BUCKET, config.ENV_VF_SCORING_BUCKET, config.ENV_SFMC_BUCKET}
BUCKET_VARIABLES = {
    config.ENV_UPLOADS_BUCKET,
    config.ENV_EXPORTS_BUCKET,
    config.ENV_DOWNLOAD_URL_SECONDS,
    *HANDOFF_VARIABLES,
}
MULTIPART_WRITE = {"s3:PutObject", "s3:AbortMultipartUpload"}
# Where each job's steps write its files (the campaign exports: each type's destination; the scoring files with
# the `bucket-owner-full-control` ACL); every other job writes to the exports bucket only.
STEP_WRITES = {
    "campaign_exports": {
        "exports": MULTIPART_WRITE,
        "scoring": MULTIPART_WRITE | {"s3:PutObjectAcl"},
        "vf-scoring": MULTIPART_WRITE,
        "sfmc": MULTIPART_WRITE,
    }
}
# The files a job's GET routes sign download URLs for (a campaign export written per market signs none: sfmc).
SIGNED_READS = {"campaign_exports": ("exports", "scoring", "vf-scoring")}
STATE_MACHINE_VARIABLES = {workflow.state_machine_env for workflow in WORKFLOWS}
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
# Invoked asynchronously (an S3 notification, a schedule): Lambda retries, then the function's dead-letter queue.
# The webhook triggers are invoked by event source mappings instead (tests/infra/test_infra_webhooks.py).
ASYNC_TRIGGERS = (S3_UPLOAD, CLEANUP)
MAPPED_TRIGGERS = (EVENT_DISPATCHER, WEBHOOK_DELIVERY)
WEBHOOK_QUEUES = 3  # the delivery queue, its dead-letter queue, the dispatcher's failure queue


def functions_by_handler(assembly: Assembly) -> dict[str, Found]:
    return {function.properties["Handler"]: function for function in assembly.resources(LAMBDA)}


def state_machine(assembly: Assembly, workflow: str) -> Found:
    (found,) = [
        machine
        for machine in assembly.resources(STATE_MACHINE)
        if machine.properties["StateMachineName"] == f"{JOBS_STACK}-{workflow}"
    ]
    return found


def bucket(assembly: Assembly, purpose: str) -> Found:
    """A job bucket by purpose as in its name (`vf-scoring`)."""
    (found,) = [
        bucket
        for bucket in assembly.resources("AWS::S3::Bucket")
        if flatten(bucket.properties.get("BucketName", "")).startswith(f"contactplatformjobs-{purpose}-")
    ]
    return found


def bucket_arn(found: Found) -> str:
    return f"arn:<AWS::Partition>:s3:::{flatten(found.properties['BucketName'])}"


def s3_grants(statements: list[Json]) -> dict[str, set[str]]:
    """Resource (flattened) -> the S3 actions granted on it."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        s3_actions = {action for action in actions(statement) if action.startswith("s3:")}
        if s3_actions:
            for resource in resources_of(statement):
                grants.setdefault(flatten(resource), set()).update(s3_actions)
    return grants


def states_statements(statements: list[Json]) -> list[Json]:
    return [s for s in statements if any(action.startswith("states:") for action in actions(s))]


def variables(function: Found) -> dict[str, object]:
    found: dict[str, object] = function.properties["Environment"]["Variables"]
    return found


def policies_on(assembly: Assembly, resource: Found, policy_type: str, key: str) -> list[Json]:
    return [
        statement
        for policy in assembly.resources(policy_type)
        if resource in assembly.targets(policy.template, policy.properties[key])
        for statement in policy.properties["PolicyDocument"]["Statement"]
    ]


# Workflows and their state machines


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda workflow: workflow.name)
def test_a_workflow_runs_its_asl_file_with_each_substitution_bound_to_its_step_function(
    assembly: Assembly, workflow: Workflow
) -> None:
    machine = state_machine(assembly, workflow.name)
    definition = machine.properties["DefinitionString"]
    assert json.loads(definition) == json.loads(workflow.template())
    substitutions = machine.properties["DefinitionSubstitutions"]
    placeholders = set(re.findall(r"\$\{(\w+)\}", definition))
    assert placeholders == set(substitutions) == {step.substitution for step in workflow.steps}
    for step in workflow.steps:
        function = assembly.referenced(machine, substitutions[step.substitution], LAMBDA)
        assert function.properties["Handler"] == step.handler, step.substitution


def test_every_job_runs_the_one_definition_with_its_own_comment_and_concurrency(assembly: Assembly) -> None:
    (definition_file,) = {workflow.asl_path for workflow in WORKFLOWS}
    assert sorted(path.name for path in definition_file.parent.glob("*.asl.json")) == [definition_file.name]
    for workflow in WORKFLOWS:
        definition = json.loads(state_machine(assembly, workflow.name).properties["DefinitionString"])
        assert definition["Comment"] == workflow.comment
        assert definition["States"]["ProcessChunks"]["MaxConcurrency"] == workflow.max_concurrency
    assert WORKFLOWS_BY_NAME["imports"].max_concurrency < WORKFLOWS_BY_NAME["exports"].max_concurrency


def test_the_plan_is_a_loop_that_goes_on_while_it_returns_a_cursor_and_fails_the_job_on_any_error(
    assembly: Assembly,
) -> None:
    """StartPlan (no cursor, no chunk) -> Plan -> PlanDone: back to Plan with the cursor and chunk count it
    returned while it is not done, else to the Map over its manifest; Plan keeps its retries and its Catch."""
    for workflow in WORKFLOWS:
        definition = json.loads(state_machine(assembly, workflow.name).properties["DefinitionString"])
        states = definition["States"]
        assert definition["StartAt"] == "StartPlan"
        assert states["StartPlan"]["Result"] == {"cursor": None, "chunks": 0}
        assert states["StartPlan"]["ResultPath"] == "$.plan" and states["StartPlan"]["Next"] == "Plan"
        plan = states["Plan"]
        assert plan["Parameters"]["Payload"] == {
            "tenantId.$": "$.tenantId",
            "operationId.$": "$.operationId",
            "cursor.$": "$.plan.cursor",
            "chunks.$": "$.plan.chunks",
        }
        assert plan["ResultPath"] == "$.plan" and set(plan["ResultSelector"]) == {
            f"{name}.$" for name in ("done", "cursor", "chunks", "bucket", "key")
        }
        assert plan["Next"] == "PlanDone" and plan["Catch"][0]["Next"] == "MarkFailed" and plan["Retry"]
        assert states["PlanDone"] == {
            "Type": "Choice",
            "Choices": [{"Variable": "$.plan.done", "BooleanEquals": False, "Next": "Plan"}],
            "Default": "ProcessChunks",
        }
        assert states["ProcessChunks"]["ItemReader"]["Parameters"] == {
            "Bucket.$": "$.plan.bucket",
            "Key.$": "$.plan.key",
        }


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda workflow: workflow.name)
def test_a_state_machine_is_standard_traced_and_logs_every_event(assembly: Assembly, workflow: Workflow) -> None:
    properties = state_machine(assembly, workflow.name).properties
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["TracingConfiguration"] == {"Enabled": True}
    logging = properties["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    (destination,) = logging["Destinations"]
    machine = state_machine(assembly, workflow.name)
    group = assembly.referenced(machine, destination["CloudWatchLogsLogGroup"]["LogGroupArn"], "AWS::Logs::LogGroup")
    assert group.properties["RetentionInDays"] > 0


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda workflow: workflow.name)
def test_a_state_machine_may_invoke_its_steps_read_manifests_and_run_its_own_map(
    assembly: Assembly, workflow: Workflow
) -> None:
    machine = state_machine(assembly, workflow.name)
    role = assembly.referenced(machine, machine.properties["RoleArn"], "AWS::IAM::Role")
    (trust,) = role.properties["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    statements = assembly.statements_of_role(role)

    (invoke,) = [s for s in statements if "lambda:InvokeFunction" in actions(s)]
    assert actions(invoke) == ["lambda:InvokeFunction"]
    invoked = {assembly.referenced(machine, resource, LAMBDA) for resource in resources_of(invoke)}
    assert invoked == {functions_by_handler(assembly)[step.handler] for step in workflow.steps}

    assert s3_grants(statements) == {f"{bucket_arn(bucket(assembly, 'uploads'))}/scratch/*": {"s3:GetObject"}}

    name = machine.properties["StateMachineName"]
    states = {
        flatten(resource): set(actions(statement))
        for statement in states_statements(statements)
        for resource in resources_of(statement)
    }
    assert states == {
        f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:{name}": {"states:StartExecution"},
        f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{name}/*": {
            "states:DescribeExecution",
            "states:StopExecution",
        },
    }


# Step and trigger functions


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.handler)
def test_a_step_has_its_function_with_the_buckets_and_the_table(assembly: Assembly, step: Step) -> None:
    function = functions_by_handler(assembly)[step.handler]
    properties = function.properties
    if step.name in BULK_STEPS:
        assert (properties["MemorySize"], properties["Timeout"]) == (1024, 900)
    else:
        assert (properties["MemorySize"], properties["Timeout"]) == (512, 60)
    found = variables(function)
    assert found[config.ENV_UPLOADS_BUCKET] == bucket(assembly, "uploads").properties["BucketName"]
    assert found[config.ENV_EXPORTS_BUCKET] == bucket(assembly, "exports").properties["BucketName"]
    assert not STATE_MACHINE_VARIABLES & found.keys()
    writes = STEP_WRITES.get(step.workflow, {"exports": MULTIPART_WRITE})
    if step.workflow == "campaign_exports":
        assert found[config.ENV_SCORING_BUCKET] == bucket(assembly, "scoring").properties["BucketName"]
        assert found[config.ENV_VF_SCORING_BUCKET] == bucket(assembly, "vf-scoring").properties["BucketName"]
        assert found[config.ENV_SFMC_BUCKET] == bucket(assembly, "sfmc").properties["BucketName"]
    else:
        assert not HANDOFF_VARIABLES & found.keys()

    statements = assembly.statements_of(function)
    assert states_statements(statements) == []
    assert s3_grants(statements) == {
        f"{bucket_arn(bucket(assembly, 'uploads'))}/*": {"s3:GetObject", "s3:PutObject"},
        **{f"{bucket_arn(bucket(assembly, purpose))}/*": actions for purpose, actions in writes.items()},
    }
    granted = {action for statement in statements for action in actions(statement)}
    assert {"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:PutItem"} <= granted


def test_an_upload_under_tenants_starts_an_import(assembly: Assembly) -> None:
    uploads = bucket(assembly, "uploads")
    (notification,) = uploads.properties["NotificationConfiguration"]["LambdaConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "tenants/"}]}}
    function = assembly.referenced(uploads, notification["Function"], LAMBDA)
    assert function.properties["Handler"] == S3_UPLOAD.handler
    assert not bucket(assembly, "exports").properties.get("NotificationConfiguration")
    dropped_into = uploads.template.body["Outputs"]["UploadsBucketName"]["Value"]  # where to drop a file
    assert dropped_into == uploads.properties["BucketName"]

    (permission,) = [
        p
        for p in assembly.resources("AWS::Lambda::Permission")
        if p.properties["Principal"] == "s3.amazonaws.com"
        and assembly.referenced(p, p.properties["FunctionName"], LAMBDA) == function
    ]
    assert flatten(permission.properties["SourceArn"]) == bucket_arn(uploads)
    assert permission.properties["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert permission.logical_id in uploads.body["DependsOn"]  # S3 checks the permission when configured

    statements = assembly.statements_of(function)
    (start,) = states_statements(statements)
    assert actions(start) == ["states:StartExecution"]
    imports = state_machine(assembly, "imports")
    assert assembly.referenced(function, start["Resource"], STATE_MACHINE) == imports
    imports_variable = WORKFLOWS_BY_NAME["imports"].state_machine_env
    assert assembly.referenced(function, variables(function)[imports_variable], STATE_MACHINE) == imports
    assert s3_grants(statements) == {f"{bucket_arn(uploads)}/*": {"s3:GetObject"}}


def test_the_cleanup_runs_hourly_and_may_only_remove_job_files(assembly: Assembly) -> None:
    (rule,) = assembly.resources("AWS::Events::Rule")
    assert rule.properties["ScheduleExpression"] == "rate(1 hour)"
    (target,) = rule.properties["Targets"]
    function = assembly.referenced(rule, target["Arn"], LAMBDA)
    assert function.properties["Handler"] == CLEANUP.handler
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    queue = assembly.referenced(rule, target["DeadLetterConfig"]["Arn"], "AWS::SQS::Queue")
    assert assembly.referenced(function, function.properties["DeadLetterConfig"]["TargetArn"], queue.type) == queue
    (permission,) = [
        p
        for p in assembly.resources("AWS::Lambda::Permission")
        if assembly.referenced(p, p.properties["FunctionName"], LAMBDA) == function
    ]
    assert permission.properties["Principal"] == "events.amazonaws.com"
    assert assembly.referenced(permission, permission.properties["SourceArn"], rule.type) == rule

    statements = assembly.statements_of(function)
    assert states_statements(statements) == []
    uploads, exports = bucket_arn(bucket(assembly, "uploads")), bucket_arn(bucket(assembly, "exports"))
    # Only the exports bucket's files expire (a hand-off bucket's belong to its consumer: infra/job_files.py),
    # but the cleanup is told every destination's name: it looks up where any export's files are.
    assert s3_grants(statements) == {
        uploads: {"s3:ListBucket"},
        f"{uploads}/*": {"s3:DeleteObject"},
        f"{exports}/*": {"s3:DeleteObject"},
    }
    found = variables(function)
    for variable, purpose in [
        (config.ENV_EXPORTS_BUCKET, "exports"),
        (config.ENV_SCORING_BUCKET, "scoring"),
        (config.ENV_VF_SCORING_BUCKET, "vf-scoring"),
        (config.ENV_SFMC_BUCKET, "sfmc"),
    ]:
        assert found[variable] == bucket(assembly, purpose).properties["BucketName"], variable


@pytest.mark.parametrize("trigger", ASYNC_TRIGGERS, ids=lambda trigger: trigger.name)
def test_an_asynchronous_trigger_retries_then_dead_letters_into_an_alarmed_queue(
    assembly: Assembly, trigger: Trigger
) -> None:
    function = functions_by_handler(assembly)[trigger.handler]
    queue = assembly.referenced(function, function.properties["DeadLetterConfig"]["TargetArn"], "AWS::SQS::Queue")
    assert queue.properties["SqsManagedSseEnabled"] is True
    denials = [s for s in policies_on(assembly, queue, "AWS::SQS::QueuePolicy", "Queues") if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denials] == [TLS_ONLY]

    (invoke_config,) = [
        c
        for c in assembly.resources("AWS::Lambda::EventInvokeConfig")
        if assembly.referenced(c, c.properties["FunctionName"], LAMBDA) == function
    ]
    assert invoke_config.properties["MaximumRetryAttempts"] == 2

    (alarm,) = [
        a
        for a in assembly.resources("AWS::CloudWatch::Alarm")
        if a.properties.get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and assembly.referenced(a, a.properties["Dimensions"][0]["Value"], queue.type) == queue
    ]
    assert alarm.properties["Threshold"] == 1

    # What an operator names to `cdp dead-letters replay` once the cause is fixed (local/failure_queues.py)
    outputs = function.template.body["Outputs"]
    assert outputs[f"{pascal(trigger.name)}Name"]["Value"] == {"Ref": function.logical_id}
    assert outputs[f"{pascal(trigger.name)}DeadLettersUrl"]["Value"] == {"Ref": queue.logical_id}


def test_only_the_asynchronous_triggers_have_dead_letter_queues(assembly: Assembly) -> None:
    """Every trigger is one or the other: a new trigger must say how it is invoked."""
    assert sorted(ASYNC_TRIGGERS + MAPPED_TRIGGERS, key=TRIGGERS.index) == list(TRIGGERS)
    assert len(assembly.resources("AWS::SQS::Queue")) == len(ASYNC_TRIGGERS) + WEBHOOK_QUEUES
    with_queues = {f.properties["Handler"] for f in assembly.resources(LAMBDA) if "DeadLetterConfig" in f.properties}
    assert with_queues == {trigger.handler for trigger in ASYNC_TRIGGERS}
    invoke_configs = {
        assembly.referenced(c, c.properties["FunctionName"], LAMBDA).properties["Handler"]
        for c in assembly.resources("AWS::Lambda::EventInvokeConfig")
    }
    assert invoke_configs == with_queues


# Buckets


@pytest.mark.parametrize(
    ("purpose", "days"), [("uploads", 1), ("exports", 7), ("scoring", 30), ("vf-scoring", 30), ("sfmc", 30)]
)
def test_a_job_bucket_is_private_encrypted_tls_only_and_short_lived(
    assembly: Assembly, purpose: str, days: int
) -> None:
    found = bucket(assembly, purpose)
    properties = found.properties
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert "VersioningConfiguration" not in properties
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == days
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    logs = assembly.referenced(found, properties["LoggingConfiguration"]["DestinationBucketName"], found.type)
    assert "LoggingConfiguration" not in logs.properties
    assert logs.body["DeletionPolicy"] == "Retain"
    denials = [s for s in policies_on(assembly, found, "AWS::S3::BucketPolicy", "Bucket") if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denials] == [TLS_ONLY]


def test_the_access_log_bucket_is_private_encrypted_tls_only_and_expires_logs(assembly: Assembly) -> None:
    (logs,) = [b for b in assembly.resources("AWS::S3::Bucket") if "BucketName" not in b.properties]
    assert all(logs.properties["PublicAccessBlockConfiguration"].values())
    assert logs.properties["BucketEncryption"]
    (rule,) = logs.properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] > 0
    denials = [s for s in policies_on(assembly, logs, "AWS::S3::BucketPolicy", "Bucket") if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denials] == [TLS_ONLY]


def test_browsers_may_put_uploads_with_presigned_urls(assembly: Assembly) -> None:
    (cors,) = bucket(assembly, "uploads").properties["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedMethods"] == ["PUT"]
    for purpose in ("exports", "scoring", "vf-scoring", "sfmc"):
        assert "CorsConfiguration" not in bucket(assembly, purpose).properties


# Route functions


def starts_job(route: Route) -> bool:
    return route.workflow is not None and route.method != "GET"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_a_route_may_start_only_its_own_job_and_touch_only_its_job_files(assembly: Assembly, route: Route) -> None:
    function = functions_by_handler(assembly)[route.handler]
    statements = assembly.statements_of(function)
    found = variables(function)
    uploads, exports = bucket(assembly, "uploads"), bucket(assembly, "exports")

    if route.name in USER_EXPORT_ERASURE_ROUTES:  # tests/infra/test_infra_handoff.py
        return
    if route.workflow is None:
        assert states_statements(statements) == []
        assert s3_grants(statements) == {}
        assert not (BUCKET_VARIABLES | STATE_MACHINE_VARIABLES) & found.keys()
        return

    assert found[config.ENV_UPLOADS_BUCKET] == uploads.properties["BucketName"]
    assert found[config.ENV_EXPORTS_BUCKET] == exports.properties["BucketName"]
    if route.workflow == "campaign_exports":
        assert found[config.ENV_SCORING_BUCKET] == bucket(assembly, "scoring").properties["BucketName"]
        assert found[config.ENV_VF_SCORING_BUCKET] == bucket(assembly, "vf-scoring").properties["BucketName"]
        assert found[config.ENV_SFMC_BUCKET] == bucket(assembly, "sfmc").properties["BucketName"]
    else:
        assert not HANDOFF_VARIABLES & found.keys()
    signs_urls = route.workflow in SIGNED_URL_WORKFLOWS
    assert found.get(config.ENV_DOWNLOAD_URL_SECONDS) == ("900" if signs_urls else None)

    if starts_job(route):
        (start,) = states_statements(statements)
        assert actions(start) == ["states:StartExecution"]
        machine = state_machine(assembly, route.workflow)
        assert assembly.referenced(function, start["Resource"], STATE_MACHINE) == machine
        variable = config.state_machine_env(route.workflow)
        assert assembly.referenced(function, found[variable], STATE_MACHINE) == machine
        assert STATE_MACHINE_VARIABLES & found.keys() == {variable}
    else:
        assert states_statements(statements) == []
        assert not STATE_MACHINE_VARIABLES & found.keys()

    expected: dict[str, set[str]] = {}
    if starts_job(route) and route.workflow == "imports":  # inline CSV and presigned upload URLs
        expected[f"{bucket_arn(uploads)}/*"] = {"s3:PutObject"}
    if not starts_job(route) and signs_urls:  # presigned downloads of export files and import error reports
        for purpose in SIGNED_READS.get(route.workflow, ("exports",)):
            expected[f"{bucket_arn(bucket(assembly, purpose))}/*"] = {"s3:GetObject"}
    assert s3_grants(statements) == expected


def test_the_jobs_stack_is_deployed_before_the_api(assembly: Assembly) -> None:
    manifest = json.loads((assembly.directory / "manifest.json").read_text())
    assert JOBS_STACK in manifest["artifacts"]["ContactPlatformApi"]["dependencies"]
    jobs_dependencies = manifest["artifacts"][JOBS_STACK]["dependencies"]
    assert {"ContactPlatformData", "ContactPlatformObservability"} <= set(jobs_dependencies)


def test_six_hours_without_a_finished_cleanup_run_alarm(assembly: Assembly) -> None:
    """The metric the cleanup emits when a run has gone through every due item (contact_platform/metrics.py).
    No run at all leaves no data: the topic hears of INSUFFICIENT_DATA too (not of a fresh alarm's first)."""
    (alarm,) = [
        a
        for a in assembly.resources("AWS::CloudWatch::Alarm")
        if a.properties.get("MetricName") == metrics.CLEANUP_RUNS
    ]
    properties = alarm.properties
    assert properties["Namespace"] == metrics.NAMESPACE and properties["Statistic"] == "Sum"
    dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
    assert dimensions == {"service": metrics.SERVICE, "finished": "true"}
    assert (properties["Period"], properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (3600, 6, 6)
    assert properties["ComparisonOperator"] == "LessThanThreshold" and properties["Threshold"] == 1
    assert properties["TreatMissingData"] == "missing"
    (action,) = properties["InsufficientDataActions"]
    assert assembly.targets(alarm.template, action)[0].type == "AWS::SNS::Topic"
