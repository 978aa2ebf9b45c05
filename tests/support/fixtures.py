"""Shared fixtures: in-process AWS (moto) with the table and secret (`aws`) or with everything jobs
need (`jobs_aws`), and an API harness that sends real API Gateway REST events through the local
gateway's code path (authorizer, then the route's own function), without HTTP.
"""

from __future__ import annotations

import json as jsonlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.stepfunctions.parser.utils import TMP_THREADS

from contact_platform import aws as platform_aws
from contact_platform import config
from contact_platform.workflows import WORKFLOWS
from local import emulator
from local.gateway import Gateway
from local.lambda_runtime import direct_invoker
from local.provision import Provisioned, create_queues, create_webhook_secrets_key, provision
from local.resources import function_names, functions_by_name, state_machine_arn
from tests.support.stack import Stack, external_stack, roomy_key, serve

# What `jobs_aws` adds to the test environment. Small chunks, so that jobs of a few hundred rows
# run several chunks.
JOBS_ENVIRONMENT = {
    config.ENV_UPLOADS_BUCKET: "cdp-test-uploads",
    config.ENV_EXPORTS_BUCKET: "cdp-test-exports",
    config.ENV_CHUNK_ROWS: "50",
    **{workflow.state_machine_env: state_machine_arn(workflow) for workflow in WORKFLOWS},
}


@pytest.fixture
def aws(request: pytest.FixtureRequest) -> Iterator[None]:
    """A fresh in-process AWS account with the platform's table and cursor secret (moto adapted as locally).

    In a test that also asks for `jobs_aws`, that account is the jobs one (so `api`, `admin`, ... work there).
    """
    if "jobs_aws" in request.fixturenames:
        request.getfixturevalue("jobs_aws")
        yield
        return
    with account():
        yield


@pytest.fixture(scope="module")
def aws_module() -> Iterator[None]:
    """One in-process AWS account like `aws` for a whole module (for many cheap, parametrised cases)."""
    with account():
        yield


@contextmanager
def mocked_aws(**options: Any) -> Iterator[None]:
    """`mock_aws()`, with boto3's default session the platform's (`aws.boto3_session()`):
    moto empties the default session on entry, so each test's first `boto3.client()` of a service would
    make a session and parse the service model again (the suite's CPU time fell from about 20 to 12
    minutes on a 2-core machine when this stopped)."""
    with mock_aws(**options):
        boto3.DEFAULT_SESSION = platform_aws.boto3_session()  # moto puts its None back on exit
        yield


@contextmanager
def account() -> Iterator[None]:
    """The `aws` account, for as long as the block lasts (a module-scoped fixture may hold one)."""
    from contact_platform.store.table import table_definition

    emulator.install()
    with mocked_aws():
        boto3.client("dynamodb").create_table(**table_definition())
        boto3.client("secretsmanager").create_secret(Name=os.environ["CURSOR_SECRET_ARN"], SecretString="test-key")
        create_queues(boto3.client("sqs"))
        create_webhook_secrets_key(boto3.client("kms"))
        yield


@pytest.fixture
def jobs_aws() -> Iterator[Provisioned]:
    """A fresh in-process AWS account provisioned for jobs by the local stack's own `provision()`:
    table, secret, uploads and exports buckets, every function (routes, authorizer, workflow steps,
    triggers), the state machines (executed by moto, steps run by the Lambda hook) and the uploads
    bucket's notification to the import trigger (synchronous inside PutObject).

    The environment gets JOBS_ENVIRONMENT (bucket names, `<WF>_STATE_MACHINE_ARN`, CHUNK_ROWS=50)
    for the test and loses it afterwards. Executions still running at the end are stopped.
    """
    with jobs_account() as provisioned:
        yield provisioned


@contextmanager
def jobs_account(**environment: str) -> Iterator[Provisioned]:
    """The `jobs_aws` account for as long as the block lasts, JOBS_ENVIRONMENT overridden by `environment`."""
    emulator.install_step_functions()
    try:
        with mock.patch.dict(os.environ, {**JOBS_ENVIRONMENT, **environment}):
            config.settings.cache_clear()
            with mocked_aws(config={"stepfunctions": {"execute_state_machine": True}}):
                provisioned = provision(None)
                os.environ.update(provisioned.state_machine_environment())
                try:
                    yield provisioned
                finally:
                    _stop_executions()
    finally:
        config.settings.cache_clear()  # the environment is the test environment again


def _stop_executions(timeout: float = 30) -> None:
    """Stop what is still running and let moto's interpreter threads end inside the mock, so that
    no step's AWS call escapes it."""
    states = boto3.client("stepfunctions")
    deadline = time.monotonic() + timeout
    for machine in states.list_state_machines()["stateMachines"]:
        running = states.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
        for execution in running["executions"]:
            while True:
                try:
                    states.stop_execution(executionArn=execution["executionArn"])
                    break
                except AttributeError:  # moto 5.2.5: the execution's thread has not made its environment yet
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
    for thread in list(TMP_THREADS):
        if thread is not threading.current_thread() and thread.is_alive():
            thread.join(max(0.0, deadline - time.monotonic()))


def wait_for_execution(execution_arn: str, timeout: float = 60) -> dict[str, Any]:
    """`DescribeExecution` once the execution is no longer RUNNING (in-process AWS)."""
    states = boto3.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        execution: dict[str, Any] = states.describe_execution(executionArn=execution_arn)
        if execution["status"] != "RUNNING":
            return execution
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.05)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    text: str = ""  # the body as sent (`body` reads an empty one as {})

    @property
    def data(self) -> Any:
        return self.body["data"]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body["error"]
        return error

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Api:
    """Calls the API as API Gateway would: an event per request, authorizer first."""

    def __init__(self) -> None:
        self.gateway = Gateway(direct_invoker(functions_by_name()), function_names(), openapi=dict)

    def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        json: Any = None,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        stage: str = "",
    ) -> Reply:
        """`stage`: what the client's URL has before the API's paths (`/v1` on AWS), as API Gateway
        tells the function in `requestContext.path`."""
        target = path + ("?" + urlencode(params, doseq=True) if params else "")
        raw = jsonlib.dumps(json).encode() if json is not None else (body.encode() if isinstance(body, str) else body)
        sent = dict(headers or {})
        if json is not None:
            sent.setdefault("Content-Type", "application/json")
        if key is not None:
            sent.setdefault("Authorization", f"Bearer {key}")
        event = Gateway.request_event(method, target, list(sent.items()), raw or b"", "203.0.113.9")
        event["requestContext"]["path"] = stage + event["requestContext"]["path"]
        response = self.gateway.handle(event, len(raw or b""))
        text = response.get("body") or ""
        return Reply(
            int(response["statusCode"]), dict(response.get("headers") or {}), jsonlib.loads(text or "{}"), text
        )

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.call("DELETE", path, **kwargs)

    def token(
        self, role: str = "admin", tenant_id: str | None = None, scopes: list[str] | None = None
    ) -> dict[str, Any]:
        """A new user and key (POST /dev/token), in a new tenant unless `tenant_id` names one."""
        body: dict[str, Any] = {"role": role, **({"tenantId": tenant_id} if tenant_id else {"newTenant": True})}
        if scopes is not None:
            body["scopes"] = scopes
        reply = self.post("/dev/token", json=body)
        assert reply.status == 201, reply.body
        token: dict[str, Any] = reply.data
        return token

    def create_contact(self, key: str, **fields: Any) -> dict[str, Any]:
        reply = self.post("/api/v1/contacts", key=key, json=fields)
        assert reply.status == 201, reply.body
        contact: dict[str, Any] = reply.data
        return contact


@pytest.fixture
def api(aws: None) -> Api:
    """The API on in-process AWS (the jobs account when the test asks for `jobs_aws` as well)."""
    return Api()


@pytest.fixture
def admin(api: Api) -> dict[str, Any]:
    """An admin of tenant A."""
    return api.token("admin")


@pytest.fixture
def other_admin(api: Api) -> dict[str, Any]:
    """An admin of another tenant (B)."""
    return api.token("admin")


def table_items() -> list[dict[str, Any]]:
    """Every item of the table in DynamoDB's wire form, in a stable order, as the emulator of this
    process holds it: what a Scan answers (`test_table_items_are_what_a_scan_answers`), about ten
    times faster than a Scan through botocore, which mattered as tests call it before and after
    every refused request (request paths never scan)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]].get_table(os.environ["TABLE_NAME"])
    items = [
        item.to_json()["Attributes"] for partition in list(table.items.values()) for item in list(partition.values())
    ]
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def scanned_items() -> list[dict[str, Any]]:
    """Every item of the table through Scan pages, in the same order (what `table_items` matches)."""
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=os.environ["TABLE_NAME"]):
        items += page["Items"]
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


# What every authenticated request changes: the rate-limit window of its key's lookup item.
RATE_WINDOW_ATTRIBUTES = ("windowStart", "windowHits", "burstSecond", "burstHits", "lastUsedAt")


def business_items() -> list[dict[str, Any]]:
    """The table without the rate-limit windows and last uses of the key lookup items (they count
    every request, including refused ones)."""
    return [
        {name: value for name, value in item.items() if name not in RATE_WINDOW_ATTRIBUTES}
        if item.get("kind", {}).get("S") == "apikey-lookup"
        else item
        for item in table_items()
    ]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A running stack (shared by the e2e and contract suites of one test worker)."""
    external = external_stack()
    if external is not None:
        yield Stack(external.base_url, roomy_key(external))
        return
    with serve(tmp_path_factory.mktemp("stack")) as (running, _):
        yield Stack(running.base_url, roomy_key(running), running.output)
