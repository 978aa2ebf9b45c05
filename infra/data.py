"""The data stack: the one DynamoDB table (built from `store.table.table_definition()`) and the cursor key."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, RemovalPolicy, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from contact_platform.store.table import TTL_ATTRIBUTE, table_definition
from infra.nag import skip_checkov

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _key_pair(key_schema: list[dict[str, str]], types: dict[str, str]) -> tuple[dynamodb.Attribute, dynamodb.Attribute]:
    """A `KeySchema` (partition and sort key) as CDK attributes."""
    keys = {
        key["KeyType"]: dynamodb.Attribute(
            name=key["AttributeName"], type=_ATTRIBUTE_TYPES[types[key["AttributeName"]]]
        )
        for key in key_schema
    }
    return keys["HASH"], keys["RANGE"]


class DataStack(Stack):
    """The single table (docs/data-model.md) and the HMAC key that signs pagination cursors."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        definition = table_definition()  # the same shape the local stack and the tests create
        types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}

        partition_key, sort_key = _key_pair(definition["KeySchema"], types)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=partition_key,
            sort_key=sort_key,
            billing_mode=dynamodb.BillingMode[definition["BillingMode"]],
            stream=dynamodb.StreamViewType[definition["StreamSpecification"]["StreamViewType"]],
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        skip_checkov(
            self.table,
            {
                "CKV_AWS_119": "Encrypted at rest with DynamoDB's AWS-owned key; a customer-managed key would add "
                "KMS calls and cost to every request, and no deployment asks to control the key yet",
            },
        )
        for index in definition["GlobalSecondaryIndexes"]:
            partition_key, sort_key = _key_pair(index["KeySchema"], types)
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=partition_key,
                sort_key=sort_key,
                projection_type=dynamodb.ProjectionType[index["Projection"]["ProjectionType"]],
            )

        self.cursor_secret = secretsmanager.Secret(
            self,
            "CursorSigningKey",
            description="HMAC key that signs pagination cursors (contact_platform.cursor)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
        )
        Validations.of(self.cursor_secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="Signs pagination cursors only (no credential to a service): a new key merely invalidates "
                "the cursors in flight, so it is replaced by redeploying rather than by a rotation function",
            )
        )
        skip_checkov(
            self.cursor_secret,
            {
                "CKV_AWS_149": "Encrypted with Secrets Manager's AWS-managed key; the secret signs pagination cursors "
                "only (no credential), so a customer-managed key would add cost, not protection",
            },
        )
        # What `cdp bootstrap-admin` needs (TABLE_NAME, CURSOR_SECRET_ARN) to create a tenant's first key.
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "CursorSecretArn", value=self.cursor_secret.secret_arn)
