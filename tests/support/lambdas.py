"""A Lambda function of the test's own, run in this process by the emulator's Lambda hook."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import boto3
from botocore.config import Config

from local.resources import REGION


def register_function(name: str, handler: str, endpoint: str | None = None, **client_config: Any) -> Any:
    """A function running `handler` (a `module.attribute` path; local/emulator/awslambda.py); its
    Lambda client, made with `client_config` (botocore Config arguments)."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION)
    lambdas = boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, config=Config(**client_config))
    role = iam.create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("x.txt", "x")
    lambdas.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler=handler, Code={"ZipFile": code.getvalue()}
    )
    return lambdas
