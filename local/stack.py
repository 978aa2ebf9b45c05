"""The local stack: an embedded moto server (or another AWS endpoint), provisioned like the real
stack (table, cursor secret, one Lambda function per route plus the authorizer), behind the local
gateway. `cdp serve` and the end-to-end tests start it the same way.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from contact_platform import config
from contact_platform.routes import ROUTES
from local import moto_hooks

REGION = "eu-central-1"
HOST = "127.0.0.1"
TABLE_NAME = "contact-platform"
CURSOR_SECRET = "contact-platform/cursor-key"
FUNCTION_PREFIX = "cdp-"
AUTHORIZER_NAME = "authorizer"
AUTHORIZER_HANDLER = "functions.triggers.authorizer.handler"
ROLE_NAME = "cdp-local-function"


def function_name(name: str) -> str:
    return f"{FUNCTION_PREFIX}{name.replace('_', '-')}"


def environment(endpoint: str) -> dict[str, str]:
    """The process environment of the local stack; the functions are registered with the same."""
    return {
        config.ENV_TABLE_NAME: TABLE_NAME,
        config.ENV_CURSOR_SECRET_ARN: CURSOR_SECRET,
        config.ENV_DEV_MODE: "true",
        config.ENV_AUTH_CACHE_SECONDS: "0",
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


@dataclass
class Provisioned:
    endpoint: str
    functions: dict[str, str] = field(default_factory=dict)  # route name (or "authorizer") -> function name


def _exists(call: Any, not_found: str, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except Exception as error:  # botocore raises per-service exception classes
        if not_found in type(error).__name__ or not_found in str(error):
            return False
        raise
    return True


def function_names() -> dict[str, str]:
    """Route name (and "authorizer") -> local function name."""
    return {route.name: function_name(route.name) for route in ROUTES} | {
        AUTHORIZER_NAME: function_name(AUTHORIZER_NAME)
    }


def handlers() -> dict[str, str]:
    """Function name -> handler path, for every route and the authorizer."""
    named = {route.name: route.handler for route in ROUTES} | {AUTHORIZER_NAME: AUTHORIZER_HANDLER}
    return {function_name(name): handler for name, handler in named.items()}


def provision(endpoint: str, *, with_functions: bool = True) -> Provisioned:
    """Create what is missing: table, secret, and (embedded emulator) role and functions.

    Safe to run against an endpoint that has them already (LocalStack, a second start).
    """
    from contact_platform.store.table import table_definition

    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION)

    dynamodb, secrets_manager, iam, lambdas = (
        client("dynamodb"),
        client("secretsmanager"),
        client("iam"),
        client("lambda"),
    )
    if not _exists(dynamodb.describe_table, "ResourceNotFound", TableName=TABLE_NAME):
        dynamodb.create_table(**table_definition())
        dynamodb.get_waiter("table_exists").wait(TableName=TABLE_NAME)
        dynamodb.update_time_to_live(
            TableName=TABLE_NAME, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        )
    if not _exists(secrets_manager.describe_secret, "ResourceNotFound", SecretId=CURSOR_SECRET):
        secrets_manager.create_secret(Name=CURSOR_SECRET, SecretString=secrets.token_hex(32))
    result = Provisioned(endpoint, function_names())
    if not with_functions:
        return result
    if not _exists(iam.get_role, "NoSuchEntity", RoleName=ROLE_NAME):
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}")
    role_arn = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    variables = {k: v for k, v in environment(endpoint).items() if not k.startswith("AWS_")}
    for name, handler in handlers().items():
        if _exists(lambdas.get_function, "ResourceNotFound", FunctionName=name):
            continue
        lambdas.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role_arn,
            Handler=handler,
            Code={"ZipFile": _placeholder_zip()},
            Timeout=29,
            MemorySize=512,
            Architectures=["arm64"],
            Environment={"Variables": variables},
        )
    return result


class Emulator:
    """moto's ThreadedMotoServer on loopback with the in-process Lambda hook installed."""

    def __init__(self) -> None:
        moto_hooks.install()
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
    """Emulator (unless `aws_endpoint` is given), provisioning, demo tenant and gateway, started together."""

    def __init__(
        self, *, host: str = HOST, port: int = 8000, admin_key: str | None = None, aws_endpoint: str | None = None
    ):
        self.host, self.port, self.admin_key, self.aws_endpoint = host, port, admin_key, aws_endpoint
        self._emulator: Emulator | None = None
        self._http: Any = None

    def start(self) -> Running:
        from local.gateway import Gateway, direct_invoker, lambda_invoker
        from local.openapi import build

        if self.aws_endpoint:
            endpoint = self.aws_endpoint
        else:
            self._emulator = Emulator()
            endpoint = self._emulator.start()
        os.environ.update(environment(endpoint))
        provisioned = provision(endpoint, with_functions=self._emulator is not None)
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
        return Running(base_url=base_url, aws_endpoint=endpoint, admin_key=token.apiKey, tenant_id=token.tenantId)

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._emulator is not None:
            self._emulator.stop()
