"""What the local stack consists of, named as `cdp serve`, the tests and the benchmarks find it:
the table, the cursor secret, the job buckets, one Lambda function per route, the authorizer, one
per workflow step and trigger (with the runtime settings CDK deploys them with,
contact_platform/function_settings.py), the workflows' state machines from the same ASL files, and
the process environment the handlers read (docs/architecture.md, Local stack).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from contact_platform import config, function_settings
from contact_platform.routes import AUTHORIZER_HANDLER, ROUTES, UNROUTED_HANDLER
from contact_platform.workflows import TRIGGERS, WORKFLOWS, Step, Trigger, Workflow
from local.lambda_runtime import Function

REGION = "eu-central-1"
EMULATOR_ACCOUNT = "123456789012"  # moto's default account (moto.core.models.DEFAULT_ACCOUNT_ID)
TABLE_NAME = "contact-platform"
CURSOR_SECRET = "contact-platform/cursor-key"
UPLOADS_BUCKET = "contact-platform-uploads"
EXPORTS_BUCKET = "contact-platform-exports"
SCORING_BUCKET = "contact-platform-scoring"
VF_SCORING_BUCKET = "contact-platform-vf-scoring"
SFMC_BUCKET = "contact-platform-sfmc"
WEBHOOK_QUEUE = "contact-platform-webhook-deliveries"
WEBHOOK_DEAD_LETTER_QUEUE = "contact-platform-webhook-dead-letters"
FUNCTION_PREFIX = "cdp-"
AUTHORIZER_NAME = "authorizer"
UNROUTED_NAME = "unrouted"
UPLOAD_PREFIX = "tenants/"
SUBSTITUTION = re.compile(r"\$\{([^}]*)\}")


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


def state_machine_arn(workflow: Workflow, account: str = EMULATOR_ACCOUNT, region: str = REGION) -> str:
    """State machine ARNs are known before they exist (moto's default account unless told otherwise)."""
    return f"arn:aws:states:{region}:{account}:stateMachine:{state_machine_name(workflow)}"


def queue_url(endpoint: str, name: str, account: str = EMULATOR_ACCOUNT) -> str:
    """An SQS queue's URL at an emulator endpoint (known before the queue exists)."""
    return f"{endpoint.rstrip('/')}/{account}/{name}"


def environment(endpoint: str, account: str = EMULATOR_ACCOUNT) -> dict[str, str]:
    """The process environment of the local stack; the functions are registered with the same."""
    return {
        config.ENV_TABLE_NAME: TABLE_NAME,
        config.ENV_CURSOR_SECRET_ARN: CURSOR_SECRET,
        config.ENV_DEV_MODE: "true",
        config.ENV_UPLOADS_BUCKET: UPLOADS_BUCKET,
        config.ENV_EXPORTS_BUCKET: EXPORTS_BUCKET,
        config.ENV_SCORING_BUCKET: SCORING_BUCKET,
        config.ENV_VF_SCORING_BUCKET: VF_SCORING_BUCKET,
        config.ENV_SFMC_BUCKET: SFMC_BUCKET,
        config.ENV_WEBHOOK_QUEUE_URL: queue_url(endpoint, WEBHOOK_QUEUE, account),
        config.ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL: queue_url(endpoint, WEBHOOK_DEAD_LETTER_QUEUE, account),
        **{workflow.state_machine_env: state_machine_arn(workflow, account) for workflow in WORKFLOWS},
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "POWERTOOLS_SERVICE_NAME": "contact-platform",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",  # EMF is for CloudWatch; locally it would only print
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }


def issuer_environment(base_url: str, private_key_pem: str) -> dict[str, str]:
    """The dev issuer of the stack at `base_url` (docs/architecture.md, "Bearer tokens"): its key, made
    when the stack starts, for `POST /dev/token`; its name, audience and JWKS URL for the authorizer,
    which fetches the keys over HTTP from the stack's own `/.well-known/jwks.json`."""
    from contact_platform.services.dev_issuer import DEV_AUDIENCE

    return {
        config.ENV_DEV_ISSUER_KEY: private_key_pem,
        config.ENV_JWT_ISSUER: base_url,
        config.ENV_JWT_AUDIENCE: DEV_AUDIENCE,
        config.ENV_JWT_JWKS_URL: f"{base_url}/.well-known/jwks.json",
    }


def route_functions() -> tuple[Function, ...]:
    """One per route, the authorizer and the 405 of a method a path does not take: what the gateway invokes."""
    return (
        *(Function(function_name(route.name), route.handler, function_settings.ROUTE) for route in ROUTES),
        Function(function_name(AUTHORIZER_NAME), AUTHORIZER_HANDLER, function_settings.AUTHORIZER),
        Function(function_name(UNROUTED_NAME), UNROUTED_HANDLER, function_settings.ROUTE),
    )


def job_functions() -> tuple[Function, ...]:
    """One per workflow step and one per trigger."""
    return (
        *(
            Function(step_function_name(step), step.handler, function_settings.for_step(step))
            for workflow in WORKFLOWS
            for step in workflow.steps
        ),
        *(
            Function(trigger_function_name(trigger), trigger.handler, function_settings.for_trigger(trigger))
            for trigger in TRIGGERS
        ),
    )


def functions() -> tuple[Function, ...]:
    """Every function: one per route, the authorizer, one per workflow step, one per trigger."""
    return (*route_functions(), *job_functions())


def functions_by_name() -> dict[str, Function]:
    return {function.name: function for function in functions()}


def function_names() -> dict[str, str]:
    """Route name (and "authorizer", "unrouted") -> local function name: what the gateway
    dispatches to."""
    return {route.name: function_name(route.name) for route in ROUTES} | {
        name: function_name(name) for name in (AUTHORIZER_NAME, UNROUTED_NAME)
    }


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
