"""The jobs stack (docs/architecture.md, Jobs): the job buckets, a state machine per workflow of the workflow table
(contact_platform/workflows.py) with a function per step, and the triggers: an object created under
`tenants/` in the uploads bucket starts an import, an hourly schedule runs the cleanup.

Every state machine runs the one definition in infra/workflows/ (`Workflow.template`: the job's Comment and
MaxConcurrency filled in), the same one the local stack runs, with each `${<Step>FunctionArn}` substituted
by CloudFormation (`DefinitionSubstitutions`). The definition is written into the template
(`DefinitionString`) rather than uploaded as an asset, so that cfn-lint checks it and the template shows it.

Which job files each function may write, read or remove is decided in infra/job_files.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, ArnFormat, Aws, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from contact_platform import config, function_settings
from contact_platform.names import pascal
from contact_platform.route import Route
from contact_platform.workflows import (
    CLEANUP,
    S3_UPLOAD,
    WORKFLOWS,
    WORKFLOWS_BY_NAME,
    Step,
    Trigger,
    Workflow,
)
from infra.job_files import (
    CLEANUP_DELETES,
    ERASED_DESTINATIONS,
    SIGNED,
    bucket_environment,
    erases_user_exports,
    route_destinations,
    signs_urls,
    written,
    written_with_acl,
)
from infra.nag import acknowledge_wildcard, skip_checkov
from infra.observability import alarm_on_cleanup_silence, alarm_on_dead_letters
from infra.platform_function import (
    LOG_GROUP_KMS,
    LOG_RETENTION,
    PlatformFunction,
    common_environment,
    function_code,
    shared_layer,
)
from infra.settings import Settings
from infra.storage import (
    ACL_WRITE,
    DESTINATIONS,
    MULTIPART_WRITE,
    OBJECT_DELETE,
    OBJECT_PUT,
    OBJECT_READ,
    SCRATCH_PREFIX,
    UPLOADS,
    JobBucket,
    JobStorage,
)
from infra.table_access import grant_job_access

IMPORT_UPLOAD_PREFIX = "tenants/"  # S3 filters by prefix only: the trigger keeps `tenants/<id>/imports/` keys
# Hourly: a run that stops for time (a large purge) goes on within the hour, not the next day.
CLEANUP_SCHEDULE = events.Schedule.rate(Duration.hours(1))
# Asynchronous invocations (S3 notifications, schedules): Lambda retries twice, then the dead-letter queue.
ASYNC_RETRY_ATTEMPTS = 2
DEAD_LETTER_RETENTION = Duration.days(14)


def state_machine_name(stack_name: str, workflow: str) -> str:
    """Explicit, so that a state machine's role can name it (a Distributed Map starts child executions of
    its own state machine; a reference from the role to the state machine would be a cycle)."""
    return f"{stack_name}-{workflow}"


@dataclass(frozen=True)
class JobResources:
    """What the API's route functions are given from the jobs stack."""

    uploads: JobBucket
    exports: JobBucket
    destinations: Mapping[str, JobBucket]  # by purpose: exports and the hand-off buckets
    state_machines: Mapping[str, sfn.IStateMachine]  # by workflow name

    @property
    def buckets(self) -> dict[str, JobBucket]:
        return {UPLOADS: self.uploads, **self.destinations}


@dataclass(frozen=True)
class JobDependencies:
    """What every job function is wired to."""

    code: lambda_.Code
    layer: lambda_.ILayerVersion
    table: dynamodb.ITable
    alarm_topic: sns.ITopic
    environment: dict[str, str]  # with the uploads and exports buckets' names
    uploads: JobBucket
    destinations: Mapping[str, JobBucket]  # by purpose: exports and the hand-off buckets

    @property
    def buckets(self) -> dict[str, JobBucket]:
        return {UPLOADS: self.uploads, **self.destinations}


def starts_job(route: Route) -> bool:
    """A route of a job that changes state (create_*, delete_tag) starts its state machine; reads do not."""
    return route.workflow is not None and route.method != "GET"


def route_job_environment(route: Route, jobs: JobResources, download_url_seconds: int) -> dict[str, str]:
    """The names of the uploads bucket and the job's destination buckets for every route of a job (of every
    destination for an erasure of exports), the URL lifetime where URLs are signed, and the state machine's
    ARN where the route starts it."""
    destinations = route_destinations(route)
    if not destinations:
        return {}
    uploads = () if route.workflow is None else (UPLOADS,)
    environment = bucket_environment(jobs.buckets, (*uploads, *destinations))
    if signs_urls(route.workflow):
        environment[config.ENV_DOWNLOAD_URL_SECONDS] = str(download_url_seconds)
    if route.workflow is not None and starts_job(route):
        environment[config.state_machine_env(route.workflow)] = jobs.state_machines[route.workflow].state_machine_arn
    return environment


def grant_route_job_access(role: iam.IRole, route: Route, jobs: JobResources) -> None:
    """Starting its own job's state machine; putting import files (inline CSV) and signing upload URLs for
    them; signing download URLs of the files its job's GET answers link; deleting the files an erasure of
    a user's exports removes (infra/job_files.py). Nothing else."""
    if erases_user_exports(route):
        for purpose in ERASED_DESTINATIONS:
            jobs.destinations[purpose].grant_objects(role, OBJECT_DELETE)
    if route.workflow is None:
        return
    if starts_job(route):
        jobs.state_machines[route.workflow].grant_start_execution(role)
        if route.workflow == "imports":
            jobs.uploads.grant_objects(role, OBJECT_PUT)
    elif signs_urls(route.workflow):
        for purpose in SIGNED[route.workflow]:
            jobs.destinations[purpose].grant_objects(role, OBJECT_READ)


def _dead_letter_queue(scope: Construct, alarm_topic: sns.ITopic) -> sqs.Queue:
    """An encrypted, TLS-only queue for the events an asynchronously invoked function failed on, and its alarm."""
    queue = sqs.Queue(
        scope,
        "DeadLetters",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
    )
    alarm_on_dead_letters(scope, queue, alarm_topic)
    skip_checkov(
        queue,
        {
            "CKV_AWS_27": "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which checkov does not "
            "recognize; the AWS-managed KMS key it asks for cannot be used by EventBridge (the cleanup "
            "schedule's dead letters)",
        },
    )
    return queue


class WorkflowJob(Construct):
    """One workflow: a function per step and the state machine running them."""

    def __init__(self, scope: Construct, construct_id: str, *, workflow: Workflow, deps: JobDependencies) -> None:
        super().__init__(scope, construct_id)
        self.functions = {step.name: self._step_function(step, deps) for step in workflow.steps}

        stack = Stack.of(self)
        name = state_machine_name(stack.stack_name, workflow.name)
        arn = stack.format_arn(
            service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        executions = stack.format_arn(
            service="states", resource="execution", resource_name=f"{name}/*", arn_format=ArnFormat.COLON_RESOURCE_NAME
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Runs the {workflow.name} state machine",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[function.function.function_arn for function in self.functions.values()],
            )
        )
        # The Distributed Map reads the chunk manifest the plan step wrote, and runs each chunk as a child
        # execution of this state machine (`execution:<name>/<map run>:<id>`).
        deps.uploads.grant_objects(role, OBJECT_READ, SCRATCH_PREFIX)
        role.add_to_principal_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[arn]))
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["states:DescribeExecution", "states:StopExecution"], resources=[executions])
        )
        acknowledge_wildcard(
            role,
            executions,
            "The Distributed Map's child executions of this state machine: their names are made at run time",
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch "
                "Logs vended log delivery (logs:*LogDelivery*, resource policies) support no resource scoping",
            )
        )

        # Unnamed like the functions' log groups: a retained group with a fixed name would block a new stack.
        log_group = logs.LogGroup(self, "Logs", retention=LOG_RETENTION)
        skip_checkov(log_group, {"CKV_AWS_158": LOG_GROUP_KMS})
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            comment=workflow.summary,
            definition_body=sfn.DefinitionBody.from_string(workflow.template()),
            definition_substitutions={
                step.substitution: self.functions[step.name].function.function_arn for step in workflow.steps
            },
            role=role,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            tracing_enabled=True,
        )

    def _step_function(self, step: Step, deps: JobDependencies) -> PlatformFunction:
        function = PlatformFunction(
            self,
            pascal(step.name),
            handler=step.handler,
            description=f"{step.workflow} job, {step.name} step",
            code=deps.code,
            layer=deps.layer,
            environment={**deps.environment, **bucket_environment(deps.buckets, written(step.workflow))},
            alarm_topic=deps.alarm_topic,
            settings=function_settings.for_step(step),
        )
        grant_job_access(function.role, deps.table)
        # Import files and scratch files (chunk manifests, chunk parts, row errors) in uploads;
        # the job's files (export files, import error reports), written in parts, in its destinations,
        # with the ACL some of them are written with (infra/job_files.py).
        deps.uploads.grant_objects(function.role, (*OBJECT_READ, *OBJECT_PUT))
        with_acl = written_with_acl(step.workflow)
        for purpose in written(step.workflow):
            actions = (*MULTIPART_WRITE, *ACL_WRITE) if purpose in with_acl else MULTIPART_WRITE
            deps.destinations[purpose].grant_objects(function.role, actions)
        return function


class JobsStack(Stack):
    """Buckets, state machines, step functions and triggers."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        table: dynamodb.ITable,
        alarm_topic: sns.ITopic,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.storage = storage = JobStorage(
            self, "Storage", stack_name=self.stack_name, imported=settings.handoff_bucket_names
        )
        # Where people drop import files: tenants/<tenantId>/imports/<file>.csv (README, "Calling the API").
        CfnOutput(self, "UploadsBucketName", value=storage.uploads.name)
        deps = JobDependencies(
            code=function_code(),
            layer=shared_layer(self, settings.layer_path),
            table=table,
            alarm_topic=alarm_topic,
            environment={
                **common_environment(table.table_name, settings.dev_mode),
                config.ENV_UPLOADS_BUCKET: storage.uploads.name,
                config.ENV_EXPORTS_BUCKET: storage.exports.name,
            },
            uploads=storage.uploads,
            destinations=storage.destinations,
        )
        self.workflows = {
            workflow.name: WorkflowJob(self, pascal(workflow.name), workflow=workflow, deps=deps)
            for workflow in WORKFLOWS
        }
        self.s3_upload = self._s3_upload_trigger(S3_UPLOAD, deps, storage.uploads_bucket)
        self.cleanup = self._cleanup_trigger(CLEANUP, deps)
        self.resources = JobResources(
            uploads=storage.uploads,
            exports=storage.exports,
            destinations=storage.destinations,
            state_machines={name: job.state_machine for name, job in self.workflows.items()},
        )

    def _trigger_function(
        self, trigger: Trigger, deps: JobDependencies, environment: dict[str, str]
    ) -> PlatformFunction:
        scope = Construct(self, pascal(trigger.name))
        dead_letters = _dead_letter_queue(scope, deps.alarm_topic)
        function = PlatformFunction(
            scope,
            "Handler",
            handler=trigger.handler,
            description=trigger.summary,
            code=deps.code,
            layer=deps.layer,
            environment=environment,
            alarm_topic=deps.alarm_topic,
            dead_letter_queue=dead_letters,
            retry_attempts=ASYNC_RETRY_ATTEMPTS,
            settings=function_settings.for_trigger(trigger),
        )
        # What an operator names to `cdp dead-letters replay` (docs/architecture.md, "Failure queues").
        CfnOutput(self, f"{pascal(trigger.name)}Name", value=function.function.function_name)
        CfnOutput(self, f"{pascal(trigger.name)}DeadLettersUrl", value=dead_letters.queue_url)
        return function

    def _s3_upload_trigger(self, trigger: Trigger, deps: JobDependencies, uploads: s3.Bucket) -> PlatformFunction:
        imports = self.workflows["imports"].state_machine
        function = self._trigger_function(
            trigger,
            deps,
            {**deps.environment, WORKFLOWS_BY_NAME["imports"].state_machine_env: imports.state_machine_arn},
        )
        grant_job_access(function.role, deps.table)
        imports.grant_start_execution(function.role)
        deps.uploads.grant_objects(function.role, OBJECT_READ)
        # S3 may invoke the function for this bucket only. The source ARN is built from the bucket's name: the
        # bucket must wait for this permission (S3 checks it when the notification is configured).
        function.function.add_permission(
            "S3Invoke",
            principal=iam.ServicePrincipal("s3.amazonaws.com"),
            source_arn=deps.uploads.arn,
            source_account=Aws.ACCOUNT_ID,
        )
        bucket = uploads.node.default_child
        assert isinstance(bucket, s3.CfnBucket)
        bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            lambda_configurations=[
                s3.CfnBucket.LambdaConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    function=function.function.function_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=IMPORT_UPLOAD_PREFIX)]
                        )
                    ),
                )
            ]
        )
        permission = function.function.node.find_child("S3Invoke")
        assert isinstance(permission, lambda_.CfnPermission)
        bucket.add_resource_dependency(permission)
        return function

    def _cleanup_trigger(self, trigger: Trigger, deps: JobDependencies) -> PlatformFunction:
        # Told every destination's name: it looks up where any export's files are.
        function = self._trigger_function(
            trigger, deps, {**deps.environment, **bucket_environment(deps.buckets, DESTINATIONS)}
        )
        grant_job_access(function.role, deps.table)
        # Removes ended jobs' scratch files (listed by prefix) and expired export files (infra/job_files.py).
        deps.uploads.grant_list(function.role)
        deps.uploads.grant_objects(function.role, OBJECT_DELETE)
        for purpose in CLEANUP_DELETES:
            deps.destinations[purpose].grant_objects(function.role, OBJECT_DELETE)
        dead_letters = function.function.dead_letter_queue
        rule = events.Rule(
            function,
            "Schedule",
            schedule=CLEANUP_SCHEDULE,
            description="Hourly cleanup: purge expired contacts, expire export files, remove job scratch files",
        )
        rule.add_target(
            targets.LambdaFunction(
                function.function,
                dead_letter_queue=dead_letters,
                retry_attempts=ASYNC_RETRY_ATTEMPTS,
                max_event_age=Duration.hours(2),
            )
        )
        alarm_on_cleanup_silence(function, deps.alarm_topic)
        return function
