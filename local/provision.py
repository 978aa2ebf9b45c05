"""Creating the local stack on an endpoint (the embedded emulator, LocalStack, an in-process
`mock_aws()`): what is missing of local/resources.py, nothing twice. `cdp serve`, the `jobs_aws`
test fixture and the benchmarks provision with the same functions.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import zipfile
from dataclasses import dataclass, field
from typing import Any

from contact_platform import aws, config, function_settings
from contact_platform.webhooks import queue
from contact_platform.workflows import S3_UPLOAD, WORKFLOWS
from local.resources import (
    REGION,
    UPLOAD_PREFIX,
    definition,
    function_names,
    functions,
    state_machine_arn,
    state_machine_name,
    trigger_function_name,
)

ROLE_NAME = "cdp-local-function"
UPLOAD_NOTIFICATION_ID = "start-import-on-upload"
# The process settings the functions are registered with (the Lambda adapter runs them in this
# process, so these are informational; real Lambda reads them).
FUNCTION_VARIABLES = (
    config.ENV_TABLE_NAME,
    config.ENV_CURSOR_SECRET_ARN,
    config.ENV_DEV_MODE,
    config.ENV_RATE_LIMIT,
    config.ENV_RATE_WINDOW,
    config.ENV_UPLOADS_BUCKET,
    config.ENV_EXPORTS_BUCKET,
    config.ENV_SCORING_BUCKET,
    config.ENV_VF_SCORING_BUCKET,
    config.ENV_SFMC_BUCKET,
    config.ENV_DOWNLOAD_URL_SECONDS,
    config.ENV_CHUNK_ROWS,
    config.ENV_PLAN_ROWS,
    config.ENV_FAULT_STEP,
    config.ENV_WEBHOOK_QUEUE_URL,
    config.ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL,
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_TRACE_DISABLED",
    "POWERTOOLS_LOG_LEVEL",
)


@dataclass
class Provisioned:
    endpoint: str | None
    functions: dict[str, str] = field(default_factory=dict)  # route name (or "authorizer") -> function name
    state_machines: dict[str, str] = field(default_factory=dict)  # workflow name -> state machine ARN

    def state_machine_environment(self) -> dict[str, str]:
        """`EXPORTS_STATE_MACHINE_ARN`, ... -> the ARN provisioned (empty without functions)."""
        return {config.state_machine_env(name): arn for name, arn in self.state_machines.items()}


def _placeholder_zip() -> bytes:
    """moto wants a code package; the Lambda adapter imports the handler from this checkout instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Handlers run in-process from the working tree (local/lambda_runtime.py).")
    return buffer.getvalue()


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


def _client(service: str, endpoint: str | None) -> Any:
    """On the process's botocore session, which the handlers' clients share (`aws.session()`)."""
    return aws.new_client(service, endpoint_url=endpoint, region_name=REGION)


def provision_data(endpoint: str | None) -> Provisioned:
    """Table, cursor secret, the webhook secrets' key and buckets: what the API's handlers need.
    `endpoint=None` means boto3's default (an in-process `mock_aws()`). Names come from the process environment
    (`config.settings()`), as for the handlers, which run in this process."""
    from contact_platform.store.table import table_definition

    settings = config.settings()
    dynamodb, secrets_manager, s3 = (_client(name, endpoint) for name in ("dynamodb", "secretsmanager", "s3"))
    if not _exists(dynamodb.describe_table, "ResourceNotFound", TableName=settings.table_name):
        dynamodb.create_table(**table_definition())
        dynamodb.get_waiter("table_exists").wait(TableName=settings.table_name)
        dynamodb.update_time_to_live(
            TableName=settings.table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        )
    if not _exists(secrets_manager.describe_secret, "ResourceNotFound", SecretId=settings.cursor_secret_arn):
        secrets_manager.create_secret(Name=settings.cursor_secret_arn, SecretString=secrets.token_hex(32))
    create_webhook_secrets_key(_client("kms", endpoint))
    buckets = (settings.uploads_bucket, settings.exports_bucket, settings.scoring_bucket, settings.vf_scoring_bucket)
    for bucket in (*buckets, settings.sfmc_bucket):
        if not _exists(s3.head_bucket, "404", Bucket=bucket):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    create_queues(_client("sqs", endpoint))
    return Provisioned(endpoint, function_names())


def create_webhook_secrets_key(kms: Any) -> None:
    """The KMS key that seals webhook signing secrets, under the alias of the settings, unless it exists."""
    alias = config.settings().webhook_secrets_key
    if not _exists(kms.describe_key, "NotFound", KeyId=alias):
        key = kms.create_key(Description="Seals webhook signing secrets (contact_platform/webhooks/sealing.py)")
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyMetadata"]["KeyId"])


def create_queues(sqs: Any) -> None:
    """The webhook delivery queue and its dead-letter queue, named by the last part of their URLs in
    the settings, with the attributes CDK gives them (`webhooks/queue.py`); CreateQueue is idempotent."""
    settings = config.settings()
    dead_letters = sqs.create_queue(
        QueueName=settings.webhook_dead_letter_queue_url.rsplit("/", 1)[-1],
        Attributes={"MessageRetentionPeriod": str(queue.DEAD_LETTER_RETENTION_SECONDS)},
    )
    attributes = sqs.get_queue_attributes(QueueUrl=dead_letters["QueueUrl"], AttributeNames=["QueueArn"])
    redrive = {"deadLetterTargetArn": attributes["Attributes"]["QueueArn"], "maxReceiveCount": queue.MAX_RECEIVES}
    sqs.create_queue(
        QueueName=settings.webhook_queue_url.rsplit("/", 1)[-1],
        Attributes={
            "VisibilityTimeout": str(queue.VISIBILITY_TIMEOUT_SECONDS),
            "MessageRetentionPeriod": str(queue.RETENTION_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )


def provision_functions(provisioned: Provisioned) -> Provisioned:
    """Role, every function, the state machines (an ASL file that changed updates its state machine)
    and the uploads bucket's notification: for an emulator that runs functions through the Lambda
    adapter and executes state machines (its Step Functions definition adapter installed)."""
    endpoint, settings = provisioned.endpoint, config.settings()
    iam, lambdas, states, s3 = (_client(name, endpoint) for name in ("iam", "lambda", "stepfunctions", "s3"))
    role = _found(iam.get_role, "NoSuchEntity", RoleName=ROLE_NAME) or iam.create_role(
        RoleName=ROLE_NAME, AssumeRolePolicyDocument="{}"
    )
    role_arn: str = role["Role"]["Arn"]
    account = role_arn.split(":")[4]
    provisioned.state_machines = {workflow.name: state_machine_arn(workflow, account) for workflow in WORKFLOWS}
    variables = {name: os.environ[name] for name in FUNCTION_VARIABLES if name in os.environ}
    variables |= provisioned.state_machine_environment()
    pages = lambdas.get_paginator("list_functions").paginate()
    arns: dict[str, str] = {f["FunctionName"]: f["FunctionArn"] for page in pages for f in page["Functions"]}
    code = _placeholder_zip()
    for function in functions():
        if function.name in arns:
            continue
        created = lambdas.create_function(
            FunctionName=function.name,
            Runtime=function_settings.RUNTIME,
            Role=role_arn,
            Handler=function.handler,
            Code={"ZipFile": code},
            Timeout=function.settings.timeout_seconds,
            MemorySize=function.settings.memory_mb,
            Architectures=[function_settings.ARCHITECTURE],
            Environment={"Variables": variables},
        )
        arns[function.name] = created["FunctionArn"]
    for workflow in WORKFLOWS:
        body, arn = definition(workflow, arns), provisioned.state_machines[workflow.name]
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
    return provisioned


def provision(endpoint: str | None, *, with_functions: bool = True) -> Provisioned:
    """`provision_data()`, then (unless `with_functions=False`) `provision_functions()`."""
    provisioned = provision_data(endpoint)
    return provision_functions(provisioned) if with_functions else provisioned
