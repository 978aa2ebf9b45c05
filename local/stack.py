"""The local stack: an embedded moto server (or another AWS endpoint), provisioned like the real
stack (table, cursor secret, uploads and exports buckets, one Lambda function per route, the
authorizer, one per workflow step and trigger, the workflows' state machines from the same ASL
files, the uploads bucket's notification to the import trigger), behind the local gateway, with a
timer standing in for the cleanup schedule. `cdp serve` and the end-to-end tests start it the same
way; the in-process `jobs_aws` test fixture provisions with the same `provision()`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import threading
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto.core.config import default_user_config
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

from contact_platform import config
from contact_platform.routes import AUTHORIZER_HANDLER, ROUTES
from contact_platform.workflows import CLEANUP, S3_UPLOAD, TRIGGERS, WORKFLOWS, Step, Trigger, Workflow
from local import moto_hooks

REGION = "eu-central-1"
HOST = "127.0.0.1"
TABLE_NAME = "contact-platform"
CURSOR_SECRET = "contact-platform/cursor-key"
UPLOADS_BUCKET = "contact-platform-uploads"
EXPORTS_BUCKET = "contact-platform-exports"
FUNCTION_PREFIX = "cdp-"
AUTHORIZER_NAME = "authorizer"
ROLE_NAME = "cdp-local-function"
UPLOAD_NOTIFICATION_ID = "start-import-on-upload"
UPLOAD_PREFIX = "tenants/"
API_TIMEOUT_SECONDS = 29
STEP_TIMEOUT_SECONDS = 900
TRIGGER_TIMEOUT_SECONDS = {S3_UPLOAD.name: 60, CLEANUP.name: 900}
DEFAULT_CLEANUP_INTERVAL_SECONDS = 3600.0
# The process settings the functions are registered with (the hook runs them in this process, so
# these are informational; real Lambda reads them).
FUNCTION_VARIABLES = (
    config.ENV_TABLE_NAME,
    config.ENV_CURSOR_SECRET_ARN,
    config.ENV_DEV_MODE,
    config.ENV_AUTH_CACHE_SECONDS,
    config.ENV_RATE_LIMIT,
    config.ENV_RATE_WINDOW,
    config.ENV_UPLOADS_BUCKET,
    config.ENV_EXPORTS_BUCKET,
    config.ENV_DOWNLOAD_URL_SECONDS,
    config.ENV_CHUNK_ROWS,
    config.ENV_FAULT_STEP,
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_LOG_LEVEL",
)
SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")

log = logging.getLogger("cdp.stack")

# Invokes a function by name with an event: (payload, errored) (local.gateway.Invoke).
Invoke = Callable[[str, dict[str, Any]], tuple[dict[str, Any], bool]]


def function_name(name: str) -> str:
    return f"{FUNCTION_PREFIX}{name.replace('_', '-')}"


def step_function_name(step: Step) -> str:
    """`cdp-exports-plan`, `cdp-imports-process-chunk`, ..."""
    return function_name(step.function_id)


def trigger_function_name(trigger: Trigger) -> str:
    """`cdp-s3-upload`, `cdp-cleanup`."""
    return function_name(trigger.function_id)


def state_machine_name(workflow: Workflow) -> str:
    """`cdp-exports`, `cdp-imports`, `cdp-tagging`."""
    return function_name(workflow.name)


def state_machine_arn(workflow: Workflow, account: str = DEFAULT_ACCOUNT_ID, region: str = REGION) -> str:
    """State machine ARNs are known before they exist (moto's default account unless told otherwise)."""
    return f"arn:aws:states:{region}:{account}:stateMachine:{state_machine_name(workflow)}"


def environment(endpoint: str, account: str = DEFAULT_ACCOUNT_ID) -> dict[str, str]:
    """The process environment of the local stack; the functions are registered with the same."""
    return {
        config.ENV_TABLE_NAME: TABLE_NAME,
        config.ENV_CURSOR_SECRET_ARN: CURSOR_SECRET,
        config.ENV_DEV_MODE: "true",
        config.ENV_AUTH_CACHE_SECONDS: "0",
        config.ENV_UPLOADS_BUCKET: UPLOADS_BUCKET,
        config.ENV_EXPORTS_BUCKET: EXPORTS_BUCKET,
        **{workflow.state_machine_env: state_machine_arn(workflow, account) for workflow in WORKFLOWS},
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "POWERTOOLS_SERVICE_NAME": "contact-platform",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }


def _placeholder_zip() -> bytes:
    """moto wants a code package; the hook imports the handler from this checkout instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Handlers run in-process from the working tree (local/moto_hooks.py).")
    return buffer.getvalue()


@dataclass(frozen=True)
class Function:
    """One Lambda function of the stack: its local name, handler path and timeout."""

    name: str
    handler: str
    timeout: int


def functions() -> tuple[Function, ...]:
    """Every function: one per route, the authorizer, one per workflow step, one per trigger."""
    return (
        *(Function(function_name(route.name), route.handler, API_TIMEOUT_SECONDS) for route in ROUTES),
        Function(function_name(AUTHORIZER_NAME), AUTHORIZER_HANDLER, API_TIMEOUT_SECONDS),
        *(
            Function(step_function_name(step), step.handler, STEP_TIMEOUT_SECONDS)
            for workflow in WORKFLOWS
            for step in workflow.steps
        ),
        *(
            Function(trigger_function_name(trigger), trigger.handler, TRIGGER_TIMEOUT_SECONDS[trigger.name])
            for trigger in TRIGGERS
        ),
    )


def function_names() -> dict[str, str]:
    """Route name (and "authorizer") -> local function name: what the gateway dispatches to."""
    return {route.name: function_name(route.name) for route in ROUTES} | {
        AUTHORIZER_NAME: function_name(AUTHORIZER_NAME)
    }


def handlers() -> dict[str, str]:
    """Function name -> handler path, for every function (routes, authorizer, steps, triggers)."""
    return {function.name: function.handler for function in functions()}


def definition(workflow: Workflow, arns: Mapping[str, str]) -> str:
    """The workflow's ASL file with each step's `${<Step>FunctionArn}` replaced by the ARN of that
    step's function (`arns`: function name -> ARN). Any other `${...}` left over is an error."""
    text = workflow.template()
    for step in workflow.steps:
        placeholder = "${" + step.substitution + "}"
        if placeholder not in text:
            continue
        function = step_function_name(step)
        arn = arns.get(function)
        if not arn:
            raise ValueError(f"{workflow.asl_path.name}: no function ARN for {placeholder} ({function})")
        text = text.replace(placeholder, arn)
    left = sorted(set(SUBSTITUTION.findall(text)))
    if left:
        steps = ", ".join(step.substitution for step in workflow.steps)
        raise ValueError(
            f"{workflow.asl_path.name}: unsubstituted {', '.join('${' + name + '}' for name in left)}"
            f" (the {workflow.name} workflow substitutes {steps})"
        )
    return text


@dataclass
class Provisioned:
    endpoint: str | None
    functions: dict[str, str] = field(default_factory=dict)  # route name (or "authorizer") -> function name
    state_machines: dict[str, str] = field(default_factory=dict)  # workflow name -> state machine ARN

    def state_machine_environment(self) -> dict[str, str]:
        """`EXPORTS_STATE_MACHINE_ARN`, ... -> the ARN provisioned (empty without functions)."""
        return {config.state_machine_env(name): arn for name, arn in self.state_machines.items()}


def _exists(call: Any, not_found: str, **kwargs: Any) -> bool:
    return _found(call, not_found, **kwargs) is not None


def _found(call: Any, not_found: str, **kwargs: Any) -> Any:
    """The call's answer, or None when it reports `not_found` (in the error's class name or message)."""
    try:
        return call(**kwargs)
    except Exception as error:  # botocore raises per-service exception classes
        if not_found in type(error).__name__ or not_found in str(error):
            return None
        raise


def provision(endpoint: str | None, *, with_functions: bool = True) -> Provisioned:
    """Create what is missing: table, secret, buckets, and (embedded emulator) role, functions,
    state machines and the uploads bucket's notification. `endpoint=None` means boto3's default
    (an in-process `mock_aws()`).

    Names come from the process environment (`config.settings()`), as for the handlers, which run
    in this process. Safe to run against an endpoint that has them already (LocalStack, a second
    start): nothing is created twice; a state machine whose ASL file changed is updated.
    """
    from contact_platform.store.table import table_definition

    settings = config.settings()

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION)

    dynamodb, secrets_manager, s3 = client("dynamodb"), client("secretsmanager"), client("s3")
    if not _exists(dynamodb.describe_table, "ResourceNotFound", TableName=settings.table_name):
        dynamodb.create_table(**table_definition())
        dynamodb.get_waiter("table_exists").wait(TableName=settings.table_name)
        dynamodb.update_time_to_live(
            TableName=settings.table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        )
    if not _exists(secrets_manager.describe_secret, "ResourceNotFound", SecretId=settings.cursor_secret_arn):
        secrets_manager.create_secret(Name=settings.cursor_secret_arn, SecretString=secrets.token_hex(32))
    for bucket in (settings.uploads_bucket, settings.exports_bucket):
        if not _exists(s3.head_bucket, "404", Bucket=bucket):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    result = Provisioned(endpoint, function_names())
    if not with_functions:
        return result
    iam, lambdas, states = client("iam"), client("lambda"), client("stepfunctions")
    role = _found(iam.get_role, "NoSuchEntity", RoleName=ROLE_NAME) or iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}"
    )
    role_arn: str = role["Role"]["Arn"]
    account = role_arn.split(":")[4]
    result.state_machines = {workflow.name: state_machine_arn(workflow, account) for workflow in WORKFLOWS}
    variables = {name: os.environ[name] for name in FUNCTION_VARIABLES if name in os.environ}
    variables |= result.state_machine_environment()
    pages = lambdas.get_paginator("list_functions").paginate()
    arns: dict[str, str] = {f["FunctionName"]: f["FunctionArn"] for page in pages for f in page["Functions"]}
    code = _placeholder_zip()
    for function in functions():
        if function.name in arns:
            continue
        created = lambdas.create_function(
            FunctionName=function.name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=function.handler,
            Code={"ZipFile": code},
            Timeout=function.timeout,
            MemorySize=512,
            Architectures=["arm64"],
            Environment={"Variables": variables},
        )
        arns[function.name] = created["FunctionArn"]
    for workflow in WORKFLOWS:
        body, arn = definition(workflow, arns), result.state_machines[workflow.name]
        existing = _found(states.describe_state_machine, "StateMachineDoesNotExist", stateMachineArn=arn)
        if existing is None:
            created = states.create_state_machine(
                name=state_machine_name(workflow), definition=body, roleArn=role_arn, type="STANDARD"
            )
            if created["stateMachineArn"] != arn:
                raise RuntimeError(f"state machine created as {created['stateMachineArn']}, expected {arn}")
        elif existing["definition"] != body:
            states.update_state_machine(stateMachineArn=arn, definition=body)
    s3.put_bucket_notification_configuration(
        Bucket=settings.uploads_bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": UPLOAD_NOTIFICATION_ID,
                    "LambdaFunctionArn": arns[trigger_function_name(S3_UPLOAD)],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}},
                }
            ]
        },
    )
    return result


def scheduled_event(now: datetime | None = None, region: str = REGION) -> dict[str, Any]:
    """What an EventBridge schedule sends its target; `time` (UTC, to the second) is "now"."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": DEFAULT_ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {},
    }


class CleanupTimer:
    """Stands in for the cleanup schedule, which never fires in moto: every `interval` seconds
    (the first time one interval after `start()`) it invokes `function` with a scheduled event."""

    def __init__(self, invoke: Invoke, function: str, interval: float, region: str = REGION) -> None:
        if interval <= 0:
            raise ValueError("the cleanup interval must be positive")
        self.invoke, self.function, self.interval, self.region = invoke, function, interval, region
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cdp-cleanup-timer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def fire(self) -> None:
        try:
            result, errored = self.invoke(self.function, scheduled_event(region=self.region))
        except Exception:
            if not self._stop.is_set():
                log.exception("cleanup: invoking %s failed", self.function)
            return
        if errored:
            log.error("cleanup: %s failed: %s: %s", self.function, result.get("errorType"), result.get("errorMessage"))
        else:
            log.info("cleanup: %s", json.dumps(result))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.fire()


class Emulator:
    """moto's ThreadedMotoServer on loopback with the in-process Lambda hook installed."""

    def __init__(self) -> None:
        moto_hooks.install_step_functions()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per emulator request
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        self._server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        os.environ["MOTO_PORT"] = str(port)
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.stop()


@dataclass
class Running:
    base_url: str
    aws_endpoint: str
    admin_key: str
    tenant_id: str


class LocalStack:
    """Emulator (unless `aws_endpoint` is given), provisioning, demo tenant, gateway and cleanup timer,
    started together. `cleanup_interval` seconds between cleanup runs (0: no timer)."""

    def __init__(
        self,
        *,
        host: str = HOST,
        port: int = 8000,
        admin_key: str | None = None,
        aws_endpoint: str | None = None,
        cleanup_interval: float = DEFAULT_CLEANUP_INTERVAL_SECONDS,
    ):
        self.host, self.port, self.admin_key, self.aws_endpoint = host, port, admin_key, aws_endpoint
        self.cleanup_interval = cleanup_interval
        self._emulator: Emulator | None = None
        self._http: Any = None
        self._cleanup: CleanupTimer | None = None

    def start(self) -> Running:
        from local.gateway import Gateway, direct_invoker, lambda_invoker
        from local.openapi import build

        if self.aws_endpoint:
            endpoint = self.aws_endpoint
        else:
            self._emulator = Emulator()
            endpoint = self._emulator.start()
        os.environ.update(environment(endpoint))
        config.settings.cache_clear()
        provisioned = provision(endpoint, with_functions=self._emulator is not None)
        os.environ.update(provisioned.state_machine_environment())
        from contact_platform.services.dev_tokens import ensure_demo_admin

        token = ensure_demo_admin(self.admin_key, "req_cdp_serve")
        if self._emulator is not None:
            invoke = lambda_invoker(boto3.client("lambda", endpoint_url=endpoint, region_name=REGION))
        else:
            invoke = direct_invoker(handlers())
        self._http = None
        gateway = Gateway(invoke, provisioned.functions, openapi=lambda: build(base_url))
        self._http = gateway.server(self.host, self.port)
        base_url = f"http://{self.host}:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, name="cdp-gateway", daemon=True).start()
        if self.cleanup_interval > 0:
            if self._emulator is not None:  # a long cleanup must not time out and run again
                invoke = lambda_invoker(long_running_lambda_client(endpoint))
            self._cleanup = CleanupTimer(invoke, trigger_function_name(CLEANUP), self.cleanup_interval)
            self._cleanup.start()
        return Running(base_url=base_url, aws_endpoint=endpoint, admin_key=token.apiKey, tenant_id=token.tenantId)

    def stop(self) -> None:
        if self._cleanup is not None:
            self._cleanup.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._emulator is not None:
            self._emulator.stop()


def long_running_lambda_client(endpoint: str | None) -> Any:
    """A Lambda client that waits as long as a function may run and never re-sends an invocation."""
    from botocore.config import Config

    settings = Config(read_timeout=STEP_TIMEOUT_SECONDS + 60, retries={"total_max_attempts": 1})
    return boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, config=settings)
