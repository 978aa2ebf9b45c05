"""The synthesized templates pass cfn-lint, cdk-nag and checkov, stay far below CloudFormation's resource limit,
and synthesis explains itself when the layer was never built."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contact_platform.routes import ROUTES, UNKNOWN_PATH
from contact_platform.workflows import EVENT_DISPATCHER
from infra.app import build_app
from infra.checkov_scan import scan
from infra.nag import flatten
from infra.settings import LayerNotBuilt
from tests.infra.synthesized import NAMED_HANDOFF_BUCKETS, Assembly, actions, resources_of

pytestmark = pytest.mark.xdist_group("infra")

# CloudFormation allows 500 resources per template; routes grow, so each template keeps half in reserve.
RESOURCES_PER_TEMPLATE = 250

# Every cdk-nag rule the app acknowledges. A new kind of acknowledgment is a decision: add it here.
ACKNOWLEDGED_RULES = {
    "AwsSolutions-APIG2",  # validation in the functions, with the platform's error envelope
    "AwsSolutions-APIG3",  # no WAF web ACL
    "AwsSolutions-APIG4",  # public routes
    "AwsSolutions-COG3",  # a pool of machine clients only: no user sign-ins to protect
    "AwsSolutions-COG8",  # the same: Essentials, not Plus
    "AwsSolutions-COG4",  # API keys, not Cognito
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
    "AwsSolutions-IAM5[Resource::*]",  # X-Ray only (checked below)
    "AwsSolutions-L1",  # Python 3.12 pinned
    "AwsSolutions-S1",  # the access log bucket logs no access of its own
    "AwsSolutions-SMG4",  # cursor key without rotation
    "AwsSolutions-SQS3",  # the dispatcher's failure queue is a dead-letter queue cdk-nag does not recognize
}
# Wildcard resources acknowledged one by one (infra/nag.py): the objects of a job bucket (keys known only at
# run time; a hand-off bucket named by context, in the production assembly, by its name) and a state machine's
# own child executions (Distributed Map). Checked below to be granted.
ACKNOWLEDGED_WILDCARDS = re.compile(
    r"AwsSolutions-IAM5\[Resource::(?P<resource>arn:<AWS::Partition>:("
    r"s3:::contactplatformjobs-(uploads|exports|scoring|vf-scoring|sfmc)-<AWS::AccountId>-<AWS::Region>/(scratch/)?\*"
    rf"|s3:::({'|'.join(map(re.escape, NAMED_HANDOFF_BUCKETS.values()))})/\*"
    r"|states:<AWS::Region>:<AWS::AccountId>:execution:ContactPlatformJobs-[a-z_]+/\*"
    r"))\]"
)
# What a state machine's role needs on `*`: vended log delivery (besides X-Ray); no resource scoping exists.
LOG_DELIVERY_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
# What the event dispatcher's role needs on `*` for its stream mapping (besides X-Ray): no resource scoping exists.
STREAM_MAPPING_ACTIONS = {"dynamodb:ListStreams"}
# What the metrics function's role reads on `*` (besides X-Ray): no resource scoping exists (infra/metrics.py).
METRICS_READ_ACTIONS = {"cloudwatch:ListMetrics", "cloudwatch:GetMetricData"}


def acknowledgments(assembly: Assembly) -> list[tuple[str, str, dict[str, str]]]:
    """(template, logical id, rule) for every cdk-nag acknowledgment written into the templates."""
    return [
        (template.name, logical_id, rule)
        for template in assembly.templates.values()
        for logical_id, resource in template.resources.items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_cfn_lint_finds_no_errors_in_any_template(assembly: Assembly) -> None:
    templates = [str(assembly.directory / name) for name in assembly.templates]
    assert len(templates) >= 3 + len({route.resource for route in ROUTES})  # data, alarms, api and its nested stacks
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [cfn_lint, "--format", "json", "--", *templates], capture_output=True, text=True, check=False
    )
    matches = json.loads(result.stdout)
    errors = [f"{m['Rule']['Id']} {Path(m['Filename']).name}: {m['Message']}" for m in matches if m["Level"] == "Error"]
    assert errors == []


# Every checkov check the app suppresses (infra/nag.py, skip_checkov). A new kind of suppression is a decision.
SUPPRESSED_CHECKOV_CHECKS = {
    "CKV_AWS_158",  # log groups: no customer-managed KMS key
    "CKV_AWS_117",  # functions: no VPC
    "CKV_AWS_115",  # functions: no reserved concurrency
    "CKV_AWS_173",  # functions: no secrets in the environment
    "CKV_AWS_116",  # synchronously invoked functions: no dead-letter queue
    "CKV_AWS_21",  # short-lived buckets: not versioned
    "CKV_AWS_18",  # the access log bucket logs no access of its own
    "CKV_AWS_27",  # dead-letter queues: SQS-managed encryption
    "CKV_AWS_120",  # no API cache
    "CKV_AWS_119",  # the table: AWS-owned key
    "CKV_AWS_149",  # the cursor secret: AWS-managed key
    "CKV_AWS_59",  # public methods
}


def test_checkov_reports_no_finding_that_is_not_suppressed_with_a_reason(assembly: Assembly) -> None:
    assert scan(assembly.directory) == []
    skips = [
        (template.name, logical_id, skip)
        for template in assembly.templates.values()
        for logical_id, resource in template.resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert {skip["id"] for _, _, skip in skips} == SUPPRESSED_CHECKOV_CHECKS
    for template, logical_id, skip in skips:
        assert len(skip["comment"]) >= 40, (template, logical_id, skip)


def test_checkov_reports_what_a_suppression_no_longer_covers(assembly: Assembly, tmp_path: Path) -> None:
    """The scan is not vacuous: the jobs template without its suppressions has the findings they cover."""
    (template,) = [template for name, template in assembly.templates.items() if name.startswith("ContactPlatformJobs")]
    body = json.loads((assembly.directory / template.name).read_text())
    for resource in body["Resources"].values():
        resource.get("Metadata", {}).pop("checkov", None)
    (tmp_path / template.name).write_text(json.dumps(body))
    found = {(finding.check, finding.resource.split(".")[0]) for finding in scan(tmp_path)}
    assert {("CKV_AWS_27", "AWS::SQS::Queue"), ("CKV_AWS_21", "AWS::S3::Bucket")} <= found
    assert ("CKV_AWS_116", "AWS::Lambda::Function") in found


def test_only_synchronously_invoked_functions_skip_the_dead_letter_check(assembly: Assembly) -> None:
    for function in assembly.resources("AWS::Lambda::Function"):
        skipped = {skip["id"] for skip in function.body.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        has_queue = "DeadLetterConfig" in function.properties
        assert ("CKV_AWS_116" in skipped) is not has_queue, function.logical_id


def test_only_functions_without_reserved_concurrency_skip_the_concurrency_check(assembly: Assembly) -> None:
    reserved = 0
    for function in assembly.resources("AWS::Lambda::Function"):
        skipped = {skip["id"] for skip in function.body.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        has_reservation = "ReservedConcurrentExecutions" in function.properties
        reserved += has_reservation
        assert ("CKV_AWS_115" in skipped) is not has_reservation, function.logical_id
    assert reserved == 1  # the webhook delivery function (tests/infra/test_infra_webhooks.py)


@pytest.mark.parametrize("synthesized", ["assembly", "production_assembly"])
def test_cdk_nag_reports_no_unacknowledged_error(synthesized: str, request: pytest.FixtureRequest) -> None:
    assembly: Assembly = request.getfixturevalue(synthesized)
    report = json.loads((assembly.directory / "validation-report.json").read_text())
    errors = [
        (violation["ruleName"], [construct["constructPath"] for construct in violation["violatingConstructs"]])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["severity"] == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("synthesized", ["assembly", "production_assembly"])
def test_every_cdk_nag_acknowledgment_is_a_known_rule_with_a_reason(
    synthesized: str, request: pytest.FixtureRequest
) -> None:
    assembly: Assembly = request.getfixturevalue(synthesized)
    found = acknowledgments(assembly)
    assert found, "cdk-nag wrote no acknowledgments: is AwsSolutionsChecks still registered?"
    for template, logical_id, rule in found:
        assert rule["id"] in ACKNOWLEDGED_RULES or ACKNOWLEDGED_WILDCARDS.fullmatch(rule["id"]), (
            template,
            logical_id,
            rule,
        )
        assert len(rule.get("reason", "")) >= 40, (template, logical_id, rule)


def test_public_method_and_wildcard_resource_acknowledgments_cover_only_what_they_say(assembly: Assembly) -> None:
    public_paths = {route.path for route in ROUTES if route.public} | {UNKNOWN_PATH}  # 404s, as before: no key
    for method in assembly.resources("AWS::ApiGateway::Method"):
        rules = {r["id"] for r in method.body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}
        assert ("AwsSolutions-APIG4" in rules) == (assembly.path_of(method) in public_paths)
    (dispatcher,) = [
        function
        for function in assembly.resources("AWS::Lambda::Function")
        if function.properties["Handler"] == EVENT_DISPATCHER.handler
    ]
    dispatcher_role = assembly.referenced(dispatcher, dispatcher.properties["Role"], "AWS::IAM::Role")
    (metrics_function,) = [
        function
        for function in assembly.resources("AWS::Lambda::Function")
        if function.properties["Handler"] in {route.handler for route in ROUTES if route.reads_metrics}
    ]
    metrics_role = assembly.referenced(metrics_function, metrics_function.properties["Role"], "AWS::IAM::Role")
    for policy in assembly.resources("AWS::IAM::Policy"):
        (role,) = [assembly.referenced(policy, role, "AWS::IAM::Role") for role in policy.properties["Roles"]]
        (trusted,) = role.properties["AssumeRolePolicyDocument"]["Statement"]
        allowed = LOG_DELIVERY_ACTIONS if trusted["Principal"] == {"Service": "states.amazonaws.com"} else set()
        if role == dispatcher_role:
            allowed = STREAM_MAPPING_ACTIONS
        if role == metrics_role:
            allowed = METRICS_READ_ACTIONS
        for statement in policy.properties["PolicyDocument"]["Statement"]:
            if statement["Resource"] == "*":
                for action in actions(statement):
                    assert action.startswith("xray:") or action in allowed, (policy.logical_id, statement)


def test_every_acknowledged_wildcard_resource_is_granted_by_that_role(assembly: Assembly) -> None:
    acknowledged = 0
    for role in assembly.resources("AWS::IAM::Role"):
        granted = {
            flatten(resource) for statement in assembly.statements_of_role(role) for resource in resources_of(statement)
        }
        for rule in role.body.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found = ACKNOWLEDGED_WILDCARDS.fullmatch(rule["id"])
            if found:
                acknowledged += 1
                assert found["resource"] in granted, (role.logical_id, rule["id"])
    assert acknowledged, "no wildcard resource acknowledged: the job roles are gone or the pattern is stale"


def test_every_template_stays_far_below_the_resource_limit(assembly: Assembly) -> None:
    for template in assembly.templates.values():
        assert len(template.resources) <= RESOURCES_PER_TEMPLATE, template.name


def test_synthesis_without_the_layer_says_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(LayerNotBuilt, match="run `make layer`"):
        build_app({"layerPath": str(tmp_path / "missing")}, outdir=str(tmp_path / "cdk.out"))
