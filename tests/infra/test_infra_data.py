"""The table is the one `store.table.table_definition()` describes, and every function finds it."""

from __future__ import annotations

import pytest

from contact_platform.routes import ROUTES
from contact_platform.store.table import INDEX_NAMES, TTL_ATTRIBUTE, table_definition
from tests.infra.synthesized import Assembly

pytestmark = pytest.mark.xdist_group("infra")


def test_table_matches_the_shared_table_definition(assembly: Assembly) -> None:
    (table,) = assembly.resources("AWS::DynamoDB::Table")
    definition = table_definition()
    properties = table.properties
    assert properties["KeySchema"] == definition["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(definition["AttributeDefinitions"], key=str)
    assert properties["GlobalSecondaryIndexes"] == definition["GlobalSecondaryIndexes"]
    assert [index["IndexName"] for index in properties["GlobalSecondaryIndexes"]] == list(INDEX_NAMES)
    assert properties["BillingMode"] == definition["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_table_expires_items_is_recoverable_and_outlives_its_stack(assembly: Assembly) -> None:
    (table,) = assembly.resources("AWS::DynamoDB::Table")
    assert table.properties["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert TTL_ATTRIBUTE == "expiresAt"
    assert table.properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table.body["DeletionPolicy"] == table.body["UpdateReplacePolicy"] == "Retain"


def test_functions_are_given_the_table_and_route_functions_the_cursor_key(assembly: Assembly) -> None:
    (table,) = assembly.resources("AWS::DynamoDB::Table")
    (secret,) = assembly.resources("AWS::SecretsManager::Secret")
    route_handlers = {route.handler for route in ROUTES}
    for function in assembly.resources("AWS::Lambda::Function"):
        variables = function.properties["Environment"]["Variables"]
        assert assembly.referenced(function, variables["TABLE_NAME"], table.type) == table
        if function.properties["Handler"] in route_handlers:
            assert assembly.referenced(function, variables["CURSOR_SECRET_ARN"], secret.type) == secret
        else:  # the authorizer, the job steps and triggers make no cursors
            assert "CURSOR_SECRET_ARN" not in variables
