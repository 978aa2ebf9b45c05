"""Powertools idempotency records, kept in the same table under the tenant's own partition."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from contact_platform import aws
from contact_platform.config import settings
from contact_platform.store import keys
from contact_platform.store.table import TTL_ATTRIBUTE


def persistence_for(tenant_id: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=keys.idempotency_pk(tenant_id),
        expiry_attr=TTL_ATTRIBUTE,
        boto3_client=aws.client("dynamodb"),
    )
