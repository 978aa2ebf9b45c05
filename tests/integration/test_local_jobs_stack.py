"""The jobs part of the local stack, provisioned in-process by the same `provision()` as `cdp serve`:
buckets, one function per workflow step and trigger, the state machines from the ASL files with
their substitutions, the uploads bucket's notification."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from contact_platform import config, function_settings, workflows
from contact_platform.workflows import S3_UPLOAD, TRIGGERS, WORKFLOWS
from local.provision import Provisioned, provision
from local.resources import (
    FUNCTION_PREFIX,
    SUBSTITUTION,
    definition,
    function_names,
    functions,
    functions_by_name,
    state_machine_name,
    step_function_name,
    trigger_function_name,
)
from tests.support import fixtures
from tests.support.fixtures import JOBS_ENVIRONMENT, Api, wait_for_execution


def _registered() -> dict[str, dict[str, Any]]:
    """Function name -> configuration, for every function the account has."""
    pages = boto3.client("lambda").get_paginator("list_functions").paginate()
    return {function["FunctionName"]: function for page in pages for function in page["Functions"]}


def _lambda_tasks(state: Any) -> list[dict[str, Any]]:
    """Every Task state (nested ones included) of a parsed ASL document."""
    found: list[dict[str, Any]] = []
    if isinstance(state, dict):
        if state.get("Type") == "Task":
            found.append(state)
        for value in state.values():
            found += _lambda_tasks(value)
    elif isinstance(state, list):
        for value in state:
            found += _lambda_tasks(value)
    return found


def test_every_substitution_is_a_registered_function_of_a_step_of_its_own_workflow(jobs_aws: Provisioned) -> None:
    registered = _registered()
    arns = {name: function["FunctionArn"] for name, function in registered.items()}
    states = boto3.client("stepfunctions")
    for workflow in WORKFLOWS:
        placeholders = set(SUBSTITUTION.findall(workflow.template()))
        assert placeholders == {step.substitution for step in workflow.steps}, workflow.name
        body = definition(workflow, arns)
        own = {arns[step_function_name(step)] for step in workflow.steps}
        used = {task["Parameters"]["FunctionName"] for task in _lambda_tasks(json.loads(body))}
        assert used == own, workflow.name
        for task in _lambda_tasks(json.loads(body)):
            name = task["Parameters"]["FunctionName"].rsplit(":", 1)[1]
            assert registered[name]["Handler"].startswith(f"functions.workflows.{workflow.name}.")
        machine = states.describe_state_machine(stateMachineArn=jobs_aws.state_machines[workflow.name])
        assert machine["definition"] == body


def test_definition_fails_loudly_on_what_it_cannot_substitute(
    jobs_aws: Provisioned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arns = {name: function["FunctionArn"] for name, function in _registered().items()}
    exports = workflows.WORKFLOWS_BY_NAME["exports"]
    without_plan = {name: arn for name, arn in arns.items() if name != step_function_name(exports.steps[0])}
    with pytest.raises(ValueError, match=r"no function ARN for \$\{PlanFunctionArn\} \(cdp-exports-plan\)"):
        definition(exports, without_plan)
    extra = exports.asl_path.read_text().replace('"Comment": "', '"Comment": "${TableName} ', 1)
    (tmp_path / exports.asl_path.name).write_text(extra)
    monkeypatch.setattr(workflows, "ASL_DIRECTORY", tmp_path)
    with pytest.raises(ValueError, match=r"chunked_job\.asl\.json: unsubstituted \$\{TableName\}"):
        definition(exports, arns)


def test_jobs_aws_provisions_buckets_functions_state_machines_and_the_upload_notification(
    jobs_aws: Provisioned,
) -> None:
    settings = config.settings()
    assert (settings.uploads_bucket, settings.exports_bucket) == ("cdp-test-uploads", "cdp-test-exports")
    assert settings.chunk_rows == 50
    buckets = {bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]}
    assert {settings.uploads_bucket, settings.exports_bucket} <= buckets

    registered = _registered()
    assert set(registered) == {function.name for function in functions()} == set(functions_by_name())
    for workflow in WORKFLOWS:
        for step in workflow.steps:
            function = registered[step_function_name(step)]
            assert (function["Handler"], function["Timeout"]) == (
                step.handler,
                60 if step.name == "mark_failed" else 900,
            )
            assert function["MemorySize"] == (512 if step.name == "mark_failed" else 1024)
    for trigger in TRIGGERS:
        function = registered[trigger_function_name(trigger)]
        assert function["Handler"] == trigger.handler
        wanted = function_settings.for_trigger(trigger)
        assert (function["Timeout"], function["MemorySize"]) == (wanted.timeout_seconds, wanted.memory_mb)
    for function in registered.values():
        assert (function["Runtime"], function["Architectures"]) == ("python3.12", ["arm64"])
    assert (registered["cdp-authorizer"]["Timeout"], registered["cdp-get-contact"]["Timeout"]) == (10, 15)
    assert {"cdp-exports-plan", "cdp-imports-process-chunk", "cdp-tagging-mark-failed"} <= set(registered)
    assert {"cdp-s3-upload", "cdp-cleanup", "cdp-authorizer"} <= set(registered)
    variables = registered["cdp-s3-upload"]["Environment"]["Variables"]
    for name in JOBS_ENVIRONMENT:
        assert variables[name] == os.environ[name]

    machines = boto3.client("stepfunctions").list_state_machines()["stateMachines"]
    assert {m["name"]: m["stateMachineArn"] for m in machines} == {
        state_machine_name(w): os.environ[w.state_machine_env] for w in WORKFLOWS
    }
    assert {w.name: settings.state_machine_arn(w.name) for w in WORKFLOWS} == jobs_aws.state_machines

    notification = boto3.client("s3").get_bucket_notification_configuration(Bucket=settings.uploads_bucket)
    [target] = notification["LambdaFunctionConfigurations"]
    assert target["LambdaFunctionArn"] == registered[trigger_function_name(S3_UPLOAD)]["FunctionArn"]
    assert target["Events"] == ["s3:ObjectCreated:*"]
    [rule] = target["Filter"]["Key"]["FilterRules"]
    assert (rule["Name"].lower(), rule["Value"]) == ("prefix", "tenants/")
    uploads = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(settings.uploads_bucket)
    assert uploads.notification_configuration is not None
    [emulated] = uploads.notification_configuration.cloud_function  # what moto's PutObject invokes
    assert emulated.matches("s3:ObjectCreated:Put", "tenants/ten_x/imports/contacts.csv")
    assert emulated.matches("s3:ObjectCreated:CompleteMultipartUpload", "tenants/ten_x/imports/big.csv")
    assert not emulated.matches("s3:ObjectCreated:Put", "scratch/op_1/chunk-0.json")
    assert (
        not boto3.client("s3")
        .get_bucket_notification_configuration(Bucket=settings.exports_bucket)
        .get("LambdaFunctionConfigurations")
    )


def _inventory() -> dict[str, Any]:
    s3, states = boto3.client("s3"), boto3.client("stepfunctions")
    notification = s3.get_bucket_notification_configuration(Bucket=config.settings().uploads_bucket)
    return {
        "functions": sorted(_registered()),
        "state machines": sorted(m["stateMachineArn"] for m in states.list_state_machines()["stateMachines"]),
        "buckets": sorted(bucket["Name"] for bucket in s3.list_buckets()["Buckets"]),
        "notification": notification["LambdaFunctionConfigurations"],
        "roles": sorted(role["RoleName"] for role in boto3.client("iam").list_roles()["Roles"]),
    }


def test_provisioning_again_creates_nothing_twice_and_restores_a_changed_definition(jobs_aws: Provisioned) -> None:
    states = boto3.client("stepfunctions")
    exports = jobs_aws.state_machines["exports"]
    original = states.describe_state_machine(stateMachineArn=exports)["definition"]
    changed = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    states.update_state_machine(stateMachineArn=exports, definition=changed)
    before = _inventory()

    again = provision(None)

    assert _inventory() == before
    assert again.state_machines == jobs_aws.state_machines and again.functions == function_names()
    assert states.describe_state_machine(stateMachineArn=exports)["definition"] == original


def test_the_api_harness_works_on_the_jobs_account(jobs_aws: Provisioned, api: Api, admin: dict[str, Any]) -> None:
    contact = api.create_contact(admin["apiKey"], name="Jobs Harness")
    assert api.get(f"/api/v1/contacts/{contact['id']}", key=admin["apiKey"]).status == 200
    assert all(name.startswith(FUNCTION_PREFIX) for name in function_names().values())


def test_an_execution_runs_its_steps_through_the_lambda_hook(
    jobs_aws: Provisioned, caplog: pytest.LogCaptureFixture
) -> None:
    """The wiring only (state machine -> Lambda -> hook -> step handler); what the steps do is tested elsewhere."""
    states = boto3.client("stepfunctions")
    arns = {name: function["FunctionArn"] for name, function in _registered().items()}
    started = states.start_execution(
        stateMachineArn=jobs_aws.state_machines["exports"],
        input=json.dumps({"tenantId": "ten_nobody", "operationId": "op_missing"}),
    )
    with caplog.at_level(logging.DEBUG, logger="moto.stepfunctions"):
        finished = wait_for_execution(started["executionArn"])
    assert finished["status"] in ("SUCCEEDED", "FAILED")
    history = states.get_execution_history(executionArn=started["executionArn"])["events"]
    scheduled = [
        json.loads(event["taskScheduledEventDetails"]["parameters"])["FunctionName"]
        for event in history
        if event["type"] == "TaskScheduled"
    ]
    assert scheduled[0] == arns["cdp-exports-plan"]
    assert set(scheduled) <= {arns[step_function_name(step)] for step in workflows.WORKFLOWS_BY_NAME["exports"].steps}
    assert not [r for r in caplog.records if r.getMessage().startswith("Exception=FailureEventException")]


def test_jobs_aws_stops_what_is_still_running_at_its_end(jobs_aws: Provisioned) -> None:
    states = boto3.client("stepfunctions")
    waiting = states.create_state_machine(
        name="waits-a-minute",
        definition=json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}}}),
        roleArn=boto3.client("iam").get_role(RoleName="cdp-local-function")["Role"]["Arn"],
    )
    execution = states.start_execution(stateMachineArn=waiting["stateMachineArn"])["executionArn"]
    assert states.describe_execution(executionArn=execution)["status"] == "RUNNING"
    began = time.monotonic()
    fixtures._stop_executions()
    assert time.monotonic() - began < 10
    assert states.describe_execution(executionArn=execution)["status"] == "ABORTED"
