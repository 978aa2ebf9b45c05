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
# (ReturnValues ALL_NEW), or counts a bearer token's request in its subject's window item, and on nothing
# else: those partition keys are the only ones it may name.
AUTHORIZER_ACTIONS = ("dynamodb:UpdateItem",)
LOOKUP_KEYS = keys.api_key_lookup_pk("*")
BATCH_WRITE_ACTIONS = ("dynamodb:BatchWriteItem",)
TOKEN_WINDOW_KEYS = keys.TOKEN_WINDOW_PREFIX + "*"


def index_arns(table: dynamodb.ITable) -> list[str]:
    return [f"{table.table_arn}/index/{name}" for name in INDEX_NAMES]


def route_actions(route: Route) -> tuple[str, ...]:
    """Reads for every route; writes for any method that changes state (the authorizer counts requests),
    BatchWriteItem among them: a lead migration or a batch of entries writes its items in batches, a retried
    job or an erasure deletes chunk items in batches. It allows nothing PutItem and DeleteItem do not."""
    if route.method == "GET":
        return READ_ACTIONS
    return READ_ACTIONS + WRITE_ACTIONS + BATCH_WRITE_ACTIONS


def _grant(role: iam.IRole, table: dynamodb.ITable, item_actions: tuple[str, ...]) -> None:
    """`item_actions` on the table's items, and Query on the table and its indexes."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(item_actions), resources=[table.table_arn]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(QUERY_ACTIONS), resources=[table.table_arn, *index_arns(table)])
    )


def grant_route_access(role: iam.IRole, table: dynamodb.ITable, route: Route) -> None:
    _grant(role, table, route_actions(route))


def grant_authorizer_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(AUTHORIZER_ACTIONS),
            resources=[table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [LOOKUP_KEYS, TOKEN_WINDOW_KEYS]}},
        )
    )


# Job steps and the job triggers (S3 upload, cleanup): records and audit items as the routes write them, plus
# the batches chunk work is made of (BatchGetItem to read a chunk's records, BatchWriteItem to write its items
# and results).
JOB_ACTIONS = (*READ_ACTIONS, *WRITE_ACTIONS, *BATCH_WRITE_ACTIONS)


def grant_job_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    _grant(role, table, JOB_ACTIONS)


# The event dispatcher (infra/webhooks.py) lists a tenant's webhooks (Query on GSI1) and writes a delivery
# item per event and webhook (a conditional PutItem: a delivery made already is kept). Nothing else.
DISPATCHER_ACTIONS = ("dynamodb:PutItem",)
# The delivery function reads a delivery, its webhook and the event's audit entry (GetItem), records attempts
# on the delivery and the webhook (UpdateItem), and disables a failing webhook with its audit entry (a
# transaction of an UpdateItem and a PutItem). It deletes nothing; it queries nothing, though `_grant` allows it.
DELIVERY_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem")


def grant_dispatcher_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    _grant(role, table, DISPATCHER_ACTIONS)


def grant_delivery_access(role: iam.IRole, table: dynamodb.ITable) -> None:
    _grant(role, table, DELIVERY_ACTIONS)
