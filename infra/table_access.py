"""What each function may do on the table: explicit DynamoDB actions only, scoped to the table and its indexes.

TransactWriteItems is not an IAM action: a transaction needs the action of each item it writes or checks.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from contact_platform.route import Route
from contact_platform.store import keys
from contact_platform.store.table import INDEX_NAMES

READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem")
QUERY_ACTIONS = ("dynamodb:Query",)
# Records, guard items, audit items, idempotency records (Powertools), all in transactions or conditional.
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem")
# The authorizer reads a key and counts the request in one conditional UpdateItem of the key's lookup item
# (ReturnValues ALL_NEW), and on nothing but lookup items: their partition keys are the only ones it may name.
AUTHORIZER_ACTIONS = ("dynamodb:UpdateItem",)
LOOKUP_KEYS = keys.api_key_lookup_pk("*")


def index_arns(table: dynamodb.ITable) -> list[str]:
    return [f"{table.table_arn}/index/{name}" for name in INDEX_NAMES]


def route_actions(route: Route) -> tuple[str, ...]:
    """Reads for every route; writes for any method that changes state (the authorizer counts requests)."""
    return READ_ACTIONS if route.method == "GET" else READ_ACTIONS + WRITE_ACTIONS


def grant_route_access(role: iam.IRole, table: dynamodb.ITable, route: Route) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(route_actions(route)), resources=[table.table_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(QUERY_ACTIONS), resources=[table.table_arn, *index_arns(table)])
    )


def grant_authorizer_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(AUTHORIZER_ACTIONS),
            resources=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": LOOKUP_KEYS}},
        )
    )


# Job steps and triggers: records and audit items as the routes write them, plus the batches chunk work
# is made of (BatchGetItem to read a chunk's records, BatchWriteItem to write its items and results).
JOB_ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS, "dynamodb:BatchWriteItem")


def grant_job_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(JOB_ACTIONS), resources=[table.table_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(QUERY_ACTIONS), resources=[table.table_arn, *index_arns(table)])
    )
