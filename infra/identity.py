"""Bearer tokens on AWS (docs/architecture.md, "Bearer tokens: Cognito"): a Cognito user pool that
issues client-credentials access tokens for machine clients, a resource server whose scopes are the
platform's (`cdp/contacts:read`, ...), an app client, the pool's domain (its `/oauth2/token`
endpoint), and the pre-token-generation trigger that adds `cdp:tenant`, `cdp:user` and `cdp:role`
from the app client's registration (functions/triggers/token_claims.py). The authorizer is told
the pool's issuer and JWKS URL, the app clients whose tokens count and the scopes' prefix
(`authorizer_environment`).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, RemovalPolicy, Validations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from contact_platform import config, function_settings
from contact_platform.permissions import ALL_SCOPES, ROLE_SCOPES, Role
from contact_platform.store import keys
from infra.platform_function import PlatformFunction, function_code

RESOURCE_SERVER = "cdp"  # scopes are `cdp/<scope>` in Cognito's tokens
TOKEN_CLAIMS_HANDLER = "functions.triggers.token_claims.handler"
ACCESS_TOKEN_MINUTES = 15  # what a deactivated user's token may still do (services/token_clients.py)
# The trigger reads an app client's registration and its user's record, nothing else.
TOKEN_CLAIMS_READS = (keys.token_client_pk("*"), "TENANT#*")
# Cognito allows an app client 50 scopes and the platform has more: the client made here (an integration
# acting as a manager or user) may ask for the manager role's; an admin's integration gets a client of its
# own with the admin scopes it uses. Whatever a token asks for, its user's role bounds it.
CLIENT_SCOPES = tuple(sorted(ROLE_SCOPES[Role.MANAGER]))


class Identity(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        layer: lambda_.ILayerVersion,
        alarm_topic: sns.ITopic,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        trigger = PlatformFunction(
            self,
            "TokenClaims",
            handler=TOKEN_CLAIMS_HANDLER,
            description="Cognito pre-token generation: an app client's tenant, user and role as claims",
            code=function_code(),
            layer=layer,
            environment=environment,
            alarm_topic=alarm_topic,
            settings=function_settings.AUTHORIZER,
            no_dead_letter_queue="Invoked synchronously by Cognito while it issues a token: a failure refuses the "
            "token request",
        )
        trigger.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(TOKEN_CLAIMS_READS)}},
            )
        )
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            # Event version 3 of the pre-token-generation trigger (client-credentials tokens included) needs
            # the Essentials plan.
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            password_policy=cognito.PasswordPolicy(
                min_length=14, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            account_recovery=cognito.AccountRecovery.NONE,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.user_pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, trigger.function, cognito.LambdaVersion.V3_0
        )
        for rule in ("AwsSolutions-COG3", "AwsSolutions-COG8"):
            Validations.of(self.user_pool).acknowledge(
                Acknowledgment(
                    id=rule,
                    reason="The pool has no users, only machine clients (client credentials): threat protection and "
                    "the Plus plan guard user sign-ins; Essentials is what the version 3 token trigger needs",
                )
            )
        scopes = [
            cognito.ResourceServerScope(scope_name=name, scope_description=f"The platform scope {name}")
            for name in sorted(ALL_SCOPES)
        ]
        self.resource_server = self.user_pool.add_resource_server(
            "ResourceServer",
            identifier=RESOURCE_SERVER,
            user_pool_resource_server_name="contact-data-platform",
            scopes=scopes,
        )
        self.domain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"contact-platform-{Aws.ACCOUNT_ID}"),
        )
        self.client = self.user_pool.add_client(
            "PlatformClient",
            generate_secret=True,
            auth_flows=cognito.AuthFlow(),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[
                    cognito.OAuthScope.resource_server(self.resource_server, scope)
                    for scope in scopes
                    if scope.scope_name in CLIENT_SCOPES
                ],
            ),
            access_token_validity=Duration.minutes(ACCESS_TOKEN_MINUTES),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
        )
        # Where clients get tokens (README, "Bearer tokens"); the client's secret stays in Cognito.
        CfnOutput(self, "TokenEndpoint", value=f"{self.domain.base_url()}/oauth2/token")
        CfnOutput(self, "PlatformClientId", value=self.client.user_pool_client_id)
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)

    def authorizer_environment(self) -> dict[str, str]:
        """What the authorizer trusts: the pool as issuer (Cognito's access tokens have no `aud`), its
        JWKS, the app clients whose tokens count, the resource server's scope prefix."""
        issuer = self.user_pool.user_pool_provider_url
        return {
            config.ENV_JWT_ISSUER: issuer,
            config.ENV_JWT_JWKS_URL: f"{issuer}/.well-known/jwks.json",
            config.ENV_JWT_CLIENT_IDS: self.client.user_pool_client_id,
            config.ENV_JWT_SCOPE_PREFIX: f"{RESOURCE_SERVER}/",
        }
