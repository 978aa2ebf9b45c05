"""The campaign exports' hand-off buckets (scoring, verified scoring, marketing cloud): created by the jobs stack
unless a context key names an existing one (the production assembly names all three, as buckets of another
account), given by name to every function that needs them, and granted only the actions each needs; the
CCPA erasure of a user's exports, whose route is not in the table yet, gets its grants from its name."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from contact_platform import config
from contact_platform.campaign_export_types import EXPORT_TYPES, OWNER_CONTROL, PRIVATE, Destination
from contact_platform.route import Route
from contact_platform.routes import ROUTES
from contact_platform.services import campaign_exports
from contact_platform.workflows import CLEANUP, WORKFLOWS_BY_NAME
from infra.app import build_app
from infra.job_files import (
    ACL_DESTINATIONS,
    CAMPAIGN_EXPORT_DESTINATIONS,
    CLEANUP_DELETES,
    ERASED_DESTINATIONS,
    SIGNED_CAMPAIGN_DESTINATIONS,
    USER_EXPORT_ERASURE_ROUTES,
)
from infra.nag import flatten
from infra.settings import HANDOFF_CONTEXT_KEYS, InvalidSetting
from infra.storage import BUCKET_ENV, DESTINATIONS, HANDOFFS, JobStorage
from infra.table_access import route_actions
from infra.workflows import JobResources, grant_route_job_access, route_job_environment
from tests.infra.synthesized import NAMED_HANDOFF_BUCKETS, Assembly, Found, Json, actions, resources_of

pytestmark = pytest.mark.xdist_group("infra")

LAMBDA = "AWS::Lambda::Function"
MULTIPART_WRITE = {"s3:PutObject", "s3:AbortMultipartUpload"}
HANDOFF_VARIABLES = {
    "scoring": config.ENV_SCORING_BUCKET,
    "vf_scoring": config.ENV_VF_SCORING_BUCKET,
    "sfmc": config.ENV_SFMC_BUCKET,
}
NAMED = {destination: NAMED_HANDOFF_BUCKETS[key] for destination, key in HANDOFF_CONTEXT_KEYS.items()}
CAMPAIGN_ROUTES = ("create_campaign_export", "get_campaign_export", "list_campaign_exports")


def functions_by_handler(assembly: Assembly) -> dict[str, Found]:
    return {function.properties["Handler"]: function for function in assembly.resources(LAMBDA)}


def route_function(assembly: Assembly, name: str) -> Found:
    return functions_by_handler(assembly)[f"functions.api.campaign_exports.{name}.handler"]


def handoff_bucket(assembly: Assembly, purpose: str) -> Found:
    (found,) = [
        bucket
        for bucket in assembly.resources("AWS::S3::Bucket")
        if flatten(bucket.properties.get("BucketName", "")).startswith(f"contactplatformjobs-{purpose}-")
    ]
    return found


def named_arn(bucket: str) -> str:
    return f"arn:<AWS::Partition>:s3:::{bucket}"


def s3_grants(statements: list[Json]) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for statement in statements:
        s3_actions = {action for action in actions(statement) if action.startswith("s3:")}
        if s3_actions:
            for resource in resources_of(statement):
                grants.setdefault(flatten(resource), set()).update(s3_actions)
    return grants


def variables(function: Found) -> dict[str, object]:
    found: dict[str, object] = function.properties["Environment"]["Variables"]
    return found


# The destinations as the export type table and the functions' settings know them


def test_the_destinations_are_those_of_the_export_type_table() -> None:
    assert typing.get_args(Destination) == DESTINATIONS
    assert set(HANDOFFS) == set(HANDOFF_CONTEXT_KEYS) == set(DESTINATIONS) - {"exports"}
    assert CAMPAIGN_EXPORT_DESTINATIONS == DESTINATIONS  # every destination has a type


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    config.settings.cache_clear()
    yield
    config.settings.cache_clear()


def test_a_function_finds_each_destination_s_bucket_in_the_variable_it_is_given(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    for destination in DESTINATIONS:
        monkeypatch.setenv(BUCKET_ENV[destination], f"given-{destination.replace('_', '-')}")
    for destination in DESTINATIONS:
        assert config.settings().bucket(destination) == f"given-{destination.replace('_', '-')}"


def test_every_type_s_acl_is_one_a_bucket_with_acls_disabled_accepts() -> None:
    """BucketOwnerEnforced accepts a write with no ACL (the job sends none for `private`) or with
    `bucket-owner-full-control`, and refuses any other."""
    assert {declared.acl for declared in EXPORT_TYPES.values()} <= {PRIVATE, OWNER_CONTROL}


def test_the_grants_follow_the_export_type_table() -> None:
    """What infra/job_files.py derives from the table, as the table stands: a change of a type's destination,
    ACL, files per market, retention or erasure shows here."""
    assert ACL_DESTINATIONS == ("scoring",)
    assert SIGNED_CAMPAIGN_DESTINATIONS == ("exports", "scoring", "vf_scoring")  # sfmc's files are per market
    assert CLEANUP_DELETES == ("exports",)  # hand-off files are their consumer's
    assert ERASED_DESTINATIONS == ("exports", "vf_scoring")  # scoring and sfmc types are kept on erasure
    for name in USER_EXPORT_ERASURE_ROUTES:
        assert callable(getattr(campaign_exports, name))  # the service function the route's handler calls


# Buckets created, or named by context


@pytest.mark.parametrize("purpose", ["scoring", "vf-scoring", "sfmc"])
def test_without_context_a_handoff_bucket_is_created_with_acls_disabled(assembly: Assembly, purpose: str) -> None:
    """Private, encrypted, TLS only and logged like every job bucket (tests/infra/test_infra_workflows.py);
    BucketOwnerEnforced: the `bucket-owner-full-control` writes succeed, the objects are the account's."""
    found = handoff_bucket(assembly, purpose)
    assert found.properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert found.properties["LoggingConfiguration"]["LogFilePrefix"] == f"{purpose.replace('-', '_')}/"
    (rule,) = found.properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 30
    assert found.body["DeletionPolicy"] == "Delete"


def test_with_context_no_handoff_bucket_is_created(production_assembly: Assembly) -> None:
    names = {flatten(b.properties.get("BucketName", "")) for b in production_assembly.resources("AWS::S3::Bucket")}
    assert names == {
        "contactplatformjobs-uploads-<AWS::AccountId>-<AWS::Region>",
        "contactplatformjobs-exports-<AWS::AccountId>-<AWS::Region>",
        "",  # the access log bucket, unnamed
    }


def test_a_bucket_name_given_by_context_must_be_an_s3_bucket_name(tmp_path: Path, layer_path: Path) -> None:
    with pytest.raises(InvalidSetting, match="scoringBucket"):
        build_app({"layerPath": str(layer_path), "scoringBucket": "Not_A_Bucket"}, outdir=str(tmp_path))


# Steps, routes and the cleanup: names and grants


def _expected_step_grants(bucket_arn: dict[str, str]) -> dict[str, set[str]]:
    return {
        f"{bucket_arn['uploads']}/*": {"s3:GetObject", "s3:PutObject"},
        f"{bucket_arn['exports']}/*": MULTIPART_WRITE,
        f"{bucket_arn['scoring']}/*": MULTIPART_WRITE | {"s3:PutObjectAcl"},
        f"{bucket_arn['vf_scoring']}/*": MULTIPART_WRITE,
        f"{bucket_arn['sfmc']}/*": MULTIPART_WRITE,
    }


def _bucket_arns(assembly: Assembly, named: bool) -> dict[str, str]:
    arns = {
        purpose: f"arn:<AWS::Partition>:s3:::contactplatformjobs-{purpose}-<AWS::AccountId>-<AWS::Region>"
        for purpose in ("uploads", "exports")
    }
    for destination in HANDOFFS:
        if named:
            arns[destination] = named_arn(NAMED[destination])
        else:
            name = flatten(handoff_bucket(assembly, destination.replace("_", "-")).properties["BucketName"])
            arns[destination] = named_arn(name)
    return arns


@pytest.mark.parametrize("synthesized", ["assembly", "production_assembly"])
def test_the_campaign_export_steps_write_to_every_destination_the_scoring_files_with_their_acl(
    synthesized: str, request: pytest.FixtureRequest
) -> None:
    assembly: Assembly = request.getfixturevalue(synthesized)
    arns = _bucket_arns(assembly, named=synthesized == "production_assembly")
    workflow = WORKFLOWS_BY_NAME["campaign_exports"]
    assert [step.name for step in workflow.steps] == ["plan", "process_chunk", "finalize", "mark_failed"]
    for step in workflow.steps:
        function = functions_by_handler(assembly)[step.handler]
        assert s3_grants(assembly.statements_of(function)) == _expected_step_grants(arns), step.name
        found = variables(function)
        for destination, variable in HANDOFF_VARIABLES.items():
            assert named_arn(flatten(found[variable])) == arns[destination], (step.name, variable)


def test_the_campaign_exports_have_their_state_machine_running_their_steps(assembly: Assembly) -> None:
    (machine,) = [
        m
        for m in assembly.resources("AWS::StepFunctions::StateMachine")
        if m.properties["StateMachineName"] == "ContactPlatformJobs-campaign_exports"
    ]
    invoked = {
        assembly.referenced(machine, arn, LAMBDA).properties["Handler"]
        for arn in machine.properties["DefinitionSubstitutions"].values()
    }
    assert invoked == {step.handler for step in WORKFLOWS_BY_NAME["campaign_exports"].steps}
    create = route_function(assembly, "create_campaign_export")
    arn = variables(create)[config.state_machine_env("campaign_exports")]
    assert assembly.referenced(create, arn, machine.type) == machine


@pytest.mark.parametrize("synthesized", ["assembly", "production_assembly"])
def test_the_campaign_export_routes_are_told_every_destination_and_only_the_reads_sign_urls(
    synthesized: str, request: pytest.FixtureRequest
) -> None:
    assembly: Assembly = request.getfixturevalue(synthesized)
    arns = _bucket_arns(assembly, named=synthesized == "production_assembly")
    for name in CAMPAIGN_ROUTES:
        function = route_function(assembly, name)
        found = variables(function)
        for destination, variable in HANDOFF_VARIABLES.items():
            assert named_arn(flatten(found[variable])) == arns[destination], (name, variable)
        assert found[config.ENV_DOWNLOAD_URL_SECONDS] == "900"
        statements = assembly.statements_of(function)
        starts = [s for s in statements if "states:StartExecution" in actions(s)]
        if name == "create_campaign_export":
            assert s3_grants(statements) == {}
            assert len(starts) == 1
        else:
            assert starts == []
            assert s3_grants(statements) == {
                f"{arns[destination]}/*": {"s3:GetObject"} for destination in ("exports", "scoring", "vf_scoring")
            }


@pytest.mark.parametrize("synthesized", ["assembly", "production_assembly"])
def test_the_cleanup_is_told_every_destination_and_deletes_expired_exports_only(
    synthesized: str, request: pytest.FixtureRequest
) -> None:
    assembly: Assembly = request.getfixturevalue(synthesized)
    arns = _bucket_arns(assembly, named=synthesized == "production_assembly")
    function = functions_by_handler(assembly)[CLEANUP.handler]
    found = variables(function)
    for destination, variable in HANDOFF_VARIABLES.items():
        assert named_arn(flatten(found[variable])) == arns[destination], variable
    assert s3_grants(assembly.statements_of(function)) == {
        arns["uploads"]: {"s3:ListBucket"},
        f"{arns['uploads']}/*": {"s3:DeleteObject"},
        f"{arns['exports']}/*": {"s3:DeleteObject"},
    }


def test_no_other_function_touches_a_handoff_bucket(production_assembly: Assembly) -> None:
    campaign = {step.handler for step in WORKFLOWS_BY_NAME["campaign_exports"].steps}
    campaign |= {f"functions.api.campaign_exports.{name}.handler" for name in CAMPAIGN_ROUTES}
    campaign |= {route.handler for route in ROUTES if route.name in USER_EXPORT_ERASURE_ROUTES}
    for handler, function in functions_by_handler(production_assembly).items():
        granted = {resource for resource in s3_grants(production_assembly.statements_of(function))}
        if handler not in campaign:
            assert not any(name in resource for resource in granted for name in NAMED.values()), handler
        if handler not in campaign | {CLEANUP.handler}:
            assert not set(HANDOFF_VARIABLES.values()) & variables(function).keys(), handler


# The CCPA erasure of a user's exports: its grants come from its name


def test_an_erasure_route_deletes_the_erased_types_files_and_writes_in_batches() -> None:
    route = Route(
        "erase_user_exports",
        "DELETE",
        "/api/v1/ccpa/users/{userId}",
        "ccpa",
        "ccpa:erase",
        "Erase a user's exports in every tenant",
    )
    assert route.name in USER_EXPORT_ERASURE_ROUTES
    stack = Stack(App(), "Jobs")
    storage = JobStorage(stack, "Storage", stack_name="ContactPlatformJobs", imported={"vf_scoring": "partner-vf"})
    jobs = JobResources(storage.uploads, storage.exports, storage.destinations, state_machines={})
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant_route_job_access(role, route, jobs)

    environment = route_job_environment(route, jobs, 900)
    assert set(environment) == {BUCKET_ENV[destination] for destination in DESTINATIONS}
    assert environment[config.ENV_VF_SCORING_BUCKET] == "partner-vf"
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert s3_grants(statements) == {
        "arn:<AWS::Partition>:s3:::contactplatformjobs-exports-<AWS::AccountId>-<AWS::Region>/*": {"s3:DeleteObject"},
        "arn:<AWS::Partition>:s3:::partner-vf/*": {"s3:DeleteObject"},
    }
    assert "dynamodb:BatchWriteItem" in route_actions(route)


def test_an_erasure_route_in_the_table_gets_the_same_grants(assembly: Assembly) -> None:
    """Once the route is in the table (it is added without a change in infra/), its function as synthesized."""
    for route in [route for route in ROUTES if route.name in USER_EXPORT_ERASURE_ROUTES]:
        function = functions_by_handler(assembly)[route.handler]
        assert set(BUCKET_ENV[destination] for destination in DESTINATIONS) <= variables(function).keys()
        statements = assembly.statements_of(function)
        arns = _bucket_arns(assembly, named=False)
        assert s3_grants(statements) == {f"{arns[purpose]}/*": {"s3:DeleteObject"} for purpose in ERASED_DESTINATIONS}
        assert not [s for s in statements if any(action.startswith("states:") for action in actions(s))]
        assert "dynamodb:BatchWriteItem" in {action for s in statements for action in actions(s)}
