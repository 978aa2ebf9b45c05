"""Least privilege: a role per function, explicit DynamoDB actions on the table, its indexes and its stream only,
reads that cannot write, the cursor key readable only where cursors are made."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform.route import Route
from contact_platform.routes import AUTHORIZER_HANDLER, ROUTES
from contact_platform.store import keys
from contact_platform.store.table import INDEX_NAMES
from tests.infra.synthesized import Assembly, Found, Json, actions

pytestmark = pytest.mark.xdist_group("infra")

WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def all_statements(assembly: Assembly) -> list[tuple[Found, Json]]:
    statements = [
        (policy, statement)
        for policy in assembly.resources("AWS::IAM::Policy")
        for statement in policy.properties["PolicyDocument"]["Statement"]
    ]
    statements += [
        (role, statement)
        for role in assembly.resources("AWS::IAM::Role")
        for policy in role.properties.get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    assert statements
    return statements


def table_actions(assembly: Assembly, function: Found) -> set[str]:
    return {
        action
        for statement in assembly.statements_of(function)
        for action in actions(statement)
        if action.startswith("dynamodb:")
    }


def literal_parts(resource: Any) -> set[str]:
    """The literal strings an ARN is joined from (`/index/GSI1` after the table's ARN)."""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        return {part for part in resource["Fn::Join"][1] if isinstance(part, str)}
    return set()


def functions_by_handler(assembly: Assembly) -> dict[str, Found]:
    return {function.properties["Handler"]: function for function in assembly.resources("AWS::Lambda::Function")}


def test_no_statement_grants_a_wildcard_action(assembly: Assembly) -> None:
    for where, statement in all_statements(assembly):
        for action in actions(statement):
            assert action != "*" and not action.endswith(":*"), (where.logical_id, statement)


def test_table_statements_name_explicit_actions_on_the_table_and_its_indexes(assembly: Assembly) -> None:
    (table,) = assembly.resources("AWS::DynamoDB::Table")
    table_statements = [(w, s) for w, s in all_statements(assembly) if any("dynamodb" in a for a in actions(s))]
    assert table_statements
    for where, statement in table_statements:
        assert all("*" not in action for action in actions(statement)), statement
        if statement["Resource"] == "*":
            # The stream mapping's ListStreams supports no resource (tests/infra/test_infra_checks.py).
            assert {a for a in actions(statement) if "dynamodb" in a} == {"dynamodb:ListStreams"}, statement
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert assembly.referenced(where, resource, table.type) == table, statement
            assert literal_parts(resource) <= {f"/index/{name}" for name in INDEX_NAMES}, statement


def test_every_function_has_a_role_of_its_own(assembly: Assembly) -> None:
    functions = assembly.resources("AWS::Lambda::Function")
    roles = {assembly.referenced(f, f.properties["Role"], "AWS::IAM::Role") for f in functions}
    assert len(roles) == len(functions)
    for role in roles:
        assert not role.properties.get("ManagedPolicyArns"), role.logical_id


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.reads_metrics], ids=lambda route: route.name)
def test_route_table_access_follows_its_method(assembly: Assembly, route: Route) -> None:
    granted = table_actions(assembly, functions_by_handler(assembly)[route.handler])
    assert {"dynamodb:GetItem", "dynamodb:Query"} <= granted
    if route.method == "GET":
        # reads change nothing (the authorizer counts the request in the key's rate-limit window)
        assert granted & WRITES == set()
    else:
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= granted


def test_the_metrics_function_reads_cloudwatch_and_touches_only_its_totals_item(assembly: Assembly) -> None:
    """GET /metrics is public: it reads no record of the table, only the `METRICS` partition's totals
    item (read and conditionally written back), and reads CloudWatch (docs/architecture.md, "Metrics")."""
    (route,) = [route for route in ROUTES if route.reads_metrics]
    function = functions_by_handler(assembly)[route.handler]
    assert function.properties["Environment"]["Variables"]["METRICS_SOURCE"] == "cloudwatch"
    assert table_actions(assembly, function) == {"dynamodb:GetItem", "dynamodb:PutItem"}
    (table,) = [s for s in assembly.statements_of(function) if any("dynamodb" in a for a in actions(s))]
    assert table["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["METRICS"]}}
    (cloudwatch,) = [s for s in assembly.statements_of(function) if any("cloudwatch" in a for a in actions(s))]
    assert {a for a in actions(cloudwatch) if not a.startswith("xray:")} == {
        "cloudwatch:ListMetrics",
        "cloudwatch:GetMetricData",
    }
    for other in assembly.resources("AWS::Lambda::Function"):
        if other.properties["Handler"] != route.handler:
            granted = {a for s in assembly.statements_of(other) for a in actions(s)}
            assert not {a for a in granted if a.startswith("cloudwatch:")}, other.logical_id


def test_every_function_emits_its_metrics_under_the_platform_namespace_and_service(assembly: Assembly) -> None:
    """The EMF namespace and `service` dimension the alarms (infra/webhooks.py) and GET /metrics read."""
    for function in assembly.resources("AWS::Lambda::Function"):
        variables = function.properties["Environment"]["Variables"]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "ContactPlatform", function.logical_id
        assert variables["POWERTOOLS_SERVICE_NAME"] == "contact-platform", function.logical_id


def test_authorizer_only_updates_key_lookup_items(assembly: Assembly) -> None:
    """One UpdateItem reads the key and counts the request; the partition keys it may name are those
    of the lookup items only, so it can neither read nor change any tenant's data."""
    authorizer = functions_by_handler(assembly)[AUTHORIZER_HANDLER]
    assert table_actions(assembly, authorizer) == {"dynamodb:UpdateItem"}
    (statement,) = [s for s in assembly.statements_of(authorizer) if any("dynamodb" in a for a in actions(s))]
    assert statement["Effect"] == "Allow"
    leading = [keys.api_key_lookup_pk("*"), keys.TOKEN_WINDOW_PREFIX + "*"]  # key lookups, token subjects' windows
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": leading}}
    assert not [s for s in assembly.statements_of(authorizer) if any("secretsmanager" in a for a in actions(s))]


def test_route_functions_may_only_read_the_cursor_key(assembly: Assembly) -> None:
    (secret,) = assembly.resources("AWS::SecretsManager::Secret")
    for route in ROUTES:
        function = functions_by_handler(assembly)[route.handler]
        (statement,) = [s for s in assembly.statements_of(function) if any("secretsmanager" in a for a in actions(s))]
        assert set(actions(statement)) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
        assert assembly.referenced(function, statement["Resource"], secret.type) == secret
