"""What the API answers to a request no route takes (docs/architecture.md, API conventions).

API Gateway answers a method a resource lacks as it answers an unknown path: 403 "Missing
Authentication Token", which infra/gateway_responses.py turns into 404 "Route not found". A client
sending `PUT` to a contact would read that the route, or the contact, does not exist; one calling
`/api/v1/persons` (the CRM seed's word) would not learn it is `/api/v1/contacts`. So every path of the
route table also has an `ANY` method (the methods it takes are more specific and win), behind the same
authorizer (none where every route of the path is public), and the API a public `/{proxy+}` resource
for every path it does not have; both call one function (functions/api/unrouted.py: 405 with `Allow`,
or 404 naming the path likely meant, from the route table; the local gateway calls it the same way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from contact_platform.names import pascal
from contact_platform.route import Route
from contact_platform.routes import UNKNOWN_PATH, UNROUTED_HANDLER, public_path
from infra.nag import API_KEYS_NOT_COGNITO, skip_checkov
from infra.platform_function import PlatformFunction, function_code


class Unrouted(Construct):
    """The one function (in the API's stack), the integration every `ANY` method uses, and the
    public `/{proxy+}` resource of the paths the API does not have."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        stage_name: str,
        layer: lambda_.ILayerVersion,
        alarm_topic: sns.ITopic,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        handler = PlatformFunction(
            self,
            "Handler",
            handler=UNROUTED_HANDLER,
            description="405 for a method a path does not take, 404 for a path the API does not have",
            code=function_code(),
            layer=layer,
            environment=environment,
            alarm_topic=alarm_topic,
        )
        # One grant for every path's ANY method of this stage (no DynamoDB, no other AWS call).
        handler.function.add_permission(
            "ApiInvoke",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=api.arn_for_execute_api("*", "/*", stage_name),
        )
        self.integration = apigw.AwsIntegration(
            proxy=True, service="lambda", path=f"2015-03-31/functions/{handler.function.function_arn}/invocations"
        )
        unknown = api.root.add_resource(UNKNOWN_PATH.strip("/")).add_method("ANY", self.integration)
        reason = "A path the API does not have is 404 without a key, as API Gateway's own answer was"
        Validations.of(unknown).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=reason))
        Validations.of(unknown).acknowledge(API_KEYS_NOT_COGNITO)
        skip_checkov(unknown, {"CKV_AWS_59": reason})


def add_any_methods(
    scope: Construct,
    api: apigw.RestApi,
    routes: Iterable[Route],
    integration: apigw.Integration,
    authorizer: apigw.IAuthorizer,
) -> None:
    """The `ANY` method of each path of `routes` (a route group's, in its nested stack: the API's own
    stack keeps its resources few), keyed unless every route of the path is public."""
    keyed = apigw.MethodOptions(authorization_type=apigw.AuthorizationType.CUSTOM, authorizer=authorizer)
    for path in sorted({route.path for route in routes}):
        no_key = public_path(path)
        # /api/v1/contacts/{contactId}: AnyApiV1ContactsContactid
        name = "Any" + pascal(re.sub(r"[^A-Za-z0-9]+", "_", path))
        method = apigw.Method(
            scope,
            name,
            http_method="ANY",
            resource=api.root.resource_for_path(path),
            integration=integration,
            options=None if no_key else keyed,
        )
        if no_key:
            reason = f"{path} is public by design (no permission in the route table), so is its 405"
            Validations.of(method).acknowledge(Acknowledgment(id="AwsSolutions-APIG4", reason=reason))
            skip_checkov(method, {"CKV_AWS_59": reason})
        Validations.of(method).acknowledge(API_KEYS_NOT_COGNITO)
