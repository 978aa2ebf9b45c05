"""The API stack: the REST API generated from the route table, its authorizer, stage, limits and logs.

Each route group's functions and methods live in a nested stack (infra/route_group.py). Routes of a job
(`Route.workflow`) are wired to the jobs stack's buckets and state machines (infra/workflows.py), routes that
queue a webhook delivery (`Route.webhook_queue`) to the webhooks stack's queue (infra/webhooks.py).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from contact_platform import config, function_settings
from contact_platform.names import pascal
from contact_platform.route import Route
from contact_platform.routes import AUTHORIZER_HANDLER, ROUTES
from infra.gateway_responses import add_gateway_responses
from infra.identity import Identity
from infra.nag import skip_checkov
from infra.observability import alarm_on_server_errors
from infra.platform_function import (
    LOG_GROUP_KMS,
    LOG_RETENTION,
    PlatformFunction,
    common_environment,
    function_code,
    shared_layer,
)
from infra.route_group import RouteDependencies, RouteGroupStack
from infra.settings import Settings
from infra.table_access import grant_authorizer_access
from infra.unrouted import Unrouted
from infra.webhooks import WebhookResources
from infra.workflows import JobResources

STAGE_NAME = "prod"

ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "tenantId": "$context.authorizer.tenantId",
    "keyId": "$context.authorizer.keyId",
    "errorType": "$context.error.responseType",
    "xrayTraceId": "$context.xrayTraceId",
}


def deployed_routes(dev_mode: bool) -> list[Route]:
    return [route for route in ROUTES if dev_mode or not route.dev_only]


def route_groups(routes: list[Route]) -> dict[str, list[Route]]:
    """Routes by `Route.resource`, in route-table order."""
    groups: dict[str, list[Route]] = {}
    for route in routes:
        groups.setdefault(route.resource, []).append(route)
    return groups


class ApiStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        table: dynamodb.ITable,
        cursor_secret: secretsmanager.ISecret,
        alarm_topic: sns.ITopic,
        jobs: JobResources,
        webhooks: WebhookResources,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        layer = shared_layer(self, settings.layer_path)
        common = common_environment(table.table_name, settings.dev_mode)

        self.api = self._rest_api(settings)
        add_gateway_responses(self.api)
        # The authorizer counts each request in its key's (or token subject's) rate-limit window and
        # second (docs/architecture.md, "A request"); token subjects and keys that name none get the defaults.
        rate_window = {
            config.ENV_RATE_WINDOW: str(settings.rate_limit_window_seconds),
            config.ENV_RATE_LIMIT: str(settings.rate_limit_per_window),
            config.ENV_RATE_BURST: str(settings.rate_burst_per_second),
        }
        # Bearer tokens: Cognito's client-credentials tokens (infra/identity.py).
        self.identity = Identity(
            self, "Identity", table=table, layer=layer, alarm_topic=alarm_topic, environment=common
        )
        authorizer = self._authorizer(
            layer, table, alarm_topic, {**common, **rate_window, **self.identity.authorizer_environment()}
        )

        unrouted = Unrouted(
            self,
            "Unrouted",
            api=self.api,
            stage_name=STAGE_NAME,
            layer=layer,
            alarm_topic=alarm_topic,
            environment=common,
        )
        deps = RouteDependencies(
            api=self.api,
            stage_name=STAGE_NAME,
            authorizer=authorizer,
            layer=layer,
            table=table,
            cursor_secret=cursor_secret,
            alarm_topic=alarm_topic,
            environment={
                **common,
                config.ENV_CURSOR_SECRET_ARN: cursor_secret.secret_arn,
                # the rate and burst limits a new key shows unless it names its own
                config.ENV_RATE_LIMIT: str(settings.rate_limit_per_window),
                config.ENV_RATE_BURST: str(settings.rate_burst_per_second),
            },
            jobs=jobs,
            webhooks=webhooks,
            download_url_seconds=settings.download_url_seconds,
            unrouted=unrouted.integration,
        )
        for group, routes in route_groups(deployed_routes(settings.dev_mode)).items():
            RouteGroupStack(self, f"{pascal(group)}Routes", group=group, routes=routes, deps=deps)
        alarm_on_server_errors(self, self.api, alarm_topic)

    def _rest_api(self, settings: Settings) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "AccessLogs", retention=LOG_RETENTION)
        skip_checkov(access_logs, {"CKV_AWS_158": LOG_GROUP_KMS})
        api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=self.stack_name,
            description="contact-data-platform REST API (routes from contact_platform/routes.py)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The account-level role API Gateway needs to write access and execution logs.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
            ),
        )
        # The outer guard in front of the per-key limits the functions count (docs/architecture.md, API
        # conventions). The stage's method throttling above applies to every request; the usage plan adds
        # its limits to requests that carry an API Gateway usage key (none yet: platform keys are checked
        # by the authorizer).
        api.add_usage_plan(
            "UsagePlan",
            description="Outer throttle for the whole stage",
            throttle=apigw.ThrottleSettings(
                rate_limit=settings.throttle_rate_limit, burst_limit=settings.throttle_burst_limit
            ),
            api_stages=[apigw.UsagePlanPerApiStage(api=api, stage=api.deployment_stage)],
        )
        Validations.of(api.node.default_child or api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG2",
                reason="Requests are validated in the route functions against pydantic models, so that errors "
                "use the platform envelope with field details (422 VALIDATION_ERROR, docs/architecture.md, "
                "API conventions)",
            )
        )
        Validations.of(api.node.find_child("CloudWatchRole")).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="API Gateway's account-level logging role: the AWS-managed policy is the one AWS documents "
                "for it and grants only CloudWatch Logs writes",
            )
        )
        Validations.of(api.deployment_stage).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG3",
                reason="No WAF web ACL in this design: every non-public route needs a valid API key, and traffic is "
                "bounded by stage throttling and per-key rate limits; a web ACL can be associated per deployment",
            )
        )
        skip_checkov(
            api.deployment_stage,
            {
                "CKV_AWS_120": "No response cache: every answer depends on the caller's tenant and key, and reads "
                "must see the latest writes (ETags, optimistic concurrency)",
            },
        )
        return api

    def _authorizer(
        self,
        layer: lambda_.ILayerVersion,
        table: dynamodb.ITable,
        alarm_topic: sns.ITopic,
        environment: dict[str, str],
    ) -> apigw.RequestAuthorizer:
        function = PlatformFunction(
            self,
            "Authorizer",
            handler=AUTHORIZER_HANDLER,
            description="API key or JWT (Authorization: Bearer or X-API-Key) -> tenant, user, role, scopes, count",
            code=function_code(),
            layer=layer,
            environment=environment,
            alarm_topic=alarm_topic,
            settings=function_settings.AUTHORIZER,
        )
        grant_authorizer_access(function.role, table)
        # The key may come in either of two headers. API Gateway's authorizer cache needs identity sources and
        # treats every one as required, which would reject requests using the other header. So: no identity
        # sources and no gateway cache (TTL 0). Nor does the function cache: it counts every request in the
        # key's rate-limit window, and a revoked key is refused on its next request.
        return apigw.RequestAuthorizer(
            self,
            "ApiKeyAuthorizer",
            handler=function.function,
            identity_sources=[],
            results_cache_ttl=Duration.seconds(0),
        )
