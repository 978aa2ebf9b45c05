"""What each function may do on the table: explicit DynamoDB actions only, scoped to the table and its indexes.

TransactWriteItems is not an IAM action: a transaction needs the action of each item it writes or checks.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam

from contact_platform.route import Route
from contact_platform.store.table import INDEX_NAMES

READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem")
QUERY_ACTIONS = ("dynamodb:Query",)
# Records, guard items, audit items, idempotency records (Powertools), all in transactions or conditional.
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem")
# Every authenticated request counts itself in its key's rate-limit window (one UpdateItem with ADD).
RATE_LIMIT_ACTIONS = ("dynamodb:UpdateItem",)
AUTHORIZER_ACTIONS = ("dynamodb:GetItem",)  # one consistent GetItem on the key's lookup item


def index_arns(table: dynamodb.ITable) -> list[str]:
    return [f"{table.table_arn}/index/{name}" for name in INDEX_NAMES]


def route_actions(route: Route) -> tuple[str, ...]:
    """Reads for every route; writes for any method that changes state; the rate-limit counter when authenticated."""
    actions: tuple[str, ...] = READ_ACTIONS
    if route.method != "GET":
        actions += WRITE_ACTIONS
    elif not route.public:
        actions += RATE_LIMIT_ACTIONS
    return actions


def grant_route_access(role: iam.IRole, table: dynamodb.ITable, route: Route) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(route_actions(route)), resources=[table.table_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(QUERY_ACTIONS), resources=[table.table_arn, *index_arns(table)])
    )


def grant_authorizer_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(AUTHORIZER_ACTIONS), resources=[table.table_arn]))


# Job steps and triggers: records and audit items as the routes write them, plus the batches chunk work
# is made of (BatchGetItem to read a chunk's records, BatchWriteItem to write its items and results).
JOB_ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS, "dynamodb:BatchWriteItem")


def grant_job_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(JOB_ACTIONS), resources=[table.table_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(QUERY_ACTIONS), resources=[table.table_arn, *index_arns(table)])
    )
