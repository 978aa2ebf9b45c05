"""A nested stack per route group (`Route.resource`): each route's function and its API Gateway method.

Nested stacks keep every template far below CloudFormation's 500-resource limit as routes grow, while
the API, its path resources, the authorizer and the deployment stay in the parent stack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, NestedStack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from contact_platform.names import pascal
from contact_platform.route import Route
from infra.metrics import METRICS_WILDCARD, grant_metrics_access, route_metrics_environment
from infra.nag import API_KEYS_NOT_COGNITO, skip_checkov
from infra.platform_function import XRAY_WILDCARD, PlatformFunction, function_code
from infra.table_access import grant_route_access
from infra.unrouted import add_any_methods
from infra.webhooks import WebhookResources, grant_route_webhook_access, route_webhook_environment
from infra.workflows import JobResources, grant_route_job_access, route_job_environment


@dataclass(frozen=True)
class RouteDependencies:
    """What every route function and method is wired to (all owned by other stacks)."""

    api: apigw.RestApi
    stage_name: str
    authorizer: apigw.IAuthorizer
    layer: lambda_.ILayerVersion
    table: dynamodb.ITable
    cursor_secret: secretsmanager.ISecret
    alarm_topic: sns.ITopic
    environment: dict[str, str]
    jobs: JobResources
    webhooks: WebhookResources
    download_url_seconds: int
    unrouted: apigw.Integration  # what each path's ANY method calls (infra/unrouted.py)


def arn_path(path: str) -> str:
    """`/api/v1/contacts/{contactId}` -> `/api/v1/contacts/*` (execute-api ARNs have no parameter names)."""
    return re.sub(r"\{[^}]+\}", "*", path)


class ApiRoute(Construct):
    """One route: its function (own role, logs, alarm), its method, and API Gateway's right to invoke it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, route: Route, code: lambda_.Code, deps: RouteDependencies
    ) -> None:
        super().__init__(scope, construct_id)
        handler = PlatformFunction(
            self,
            "Handler",
            handler=route.handler,
            description=f"{route.method} {route.path}: {route.summary}",
            code=code,
            layer=deps.layer,
            environment={
                **deps.environment,
                **route_job_environment(route, deps.jobs, deps.download_url_seconds),
                **route_webhook_environment(route, deps.webhooks),
                **route_metrics_environment(route),
            },
            alarm_topic=deps.alarm_topic,
            wildcard_reason=METRICS_WILDCARD if route.reads_metrics else XRAY_WILDCARD,
        )
        if route.reads_metrics:  # CloudWatch and its totals item instead of the table's records
            grant_metrics_access(handler.role, deps.table)
        else:
            grant_route_access(handler.role, deps.table, route)
        grant_route_job_access(handler.role, route, deps.jobs)
        grant_route_webhook_access(handler.role, route, deps.webhooks)
        deps.cursor_secret.grant_read(handler.role)
        # Invocation is scoped to this stage, method and path. The stage name is a literal: a reference to
        # the stage would make this stack depend on the deployment, which itself depends on this method.
        handler.function.add_permission(
            "ApiInvoke",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=deps.api.arn_for_execute_api(route.method, arn_path(route.path), deps.stage_name),
        )
        integration = apigw.AwsIntegration(
            proxy=True, service="lambda", path=f"2015-03-31/functions/{handler.function.function_arn}/invocations"
        )
        if route.public:
            options = apigw.MethodOptions(operation_name=route.name, authorization_type=apigw.AuthorizationType.NONE)
        else:
            options = apigw.MethodOptions(
                operation_name=route.name,
                authorization_type=apigw.AuthorizationType.CUSTOM,
                authorizer=deps.authorizer,
            )
        method = apigw.Method(
            self,
            "Method",
            http_method=route.method,
            resource=deps.api.root.resource_for_path(route.path),
            integration=integration,
            options=options,
        )
        Validations.of(method).acknowledge(API_KEYS_NOT_COGNITO)
        if route.public:
            public = f"{route.method} {route.path} is public by design (no permission in the route table)"
            Validations.of(method).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=public))
            skip_checkov(method, {"CKV_AWS_59": public})


class RouteGroupStack(NestedStack):
    def __init__(
        self, scope: Construct, construct_id: str, *, group: str, routes: Sequence[Route], deps: RouteDependencies
    ) -> None:
        super().__init__(
            scope, construct_id, description=f"contact-platform: functions and methods of the {group} routes"
        )
        code = function_code()
        for route in routes:
            ApiRoute(self, pascal(route.name), route=route, code=code, deps=deps)
        add_any_methods(self, deps.api, routes, deps.unrouted, deps.authorizer)
