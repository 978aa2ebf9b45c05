"""The job buckets (docs/architecture.md, Jobs and Infrastructure): private, S3-managed encryption, TLS
only, no versioning, short lifecycles, server access logs in a bucket of their own.

- uploads: import files (`tenants/<tenantId>/imports/...`, also through presigned PUTs from browsers) and
  the jobs' scratch files and chunk manifests (`scratch/<tenantId>/<operationId>/...`); kept 1 day.
- exports: export files and import error reports (`tenants/<tenantId>/...`, downloaded through presigned
  GETs); kept 7 days.
- scoring, vf_scoring, sfmc: the hand-off buckets, where campaign export types other than the exports
  bucket's write their files (contact_platform/campaign_export_types.py) for another system to pick up.
  Each is named by a context key (`scoringBucket`, `vfScoringBucket`, `sfmcBucket`: infra/settings.py)
  and then imported, possibly from another account, whose bucket policy must allow the platform's roles
  the actions granted here (infra/job_files.py); else created here like the exports bucket, with ACLs
  disabled (BucketOwnerEnforced, which accepts the `bucket-owner-full-control` ACL the scoring files are
  written with, and no other) and kept 30 days: the platform does not expire hand-off files (their
  consumer owns them), so the lifecycle alone bounds how long the contact data in them stays; 30 days
  leave a consumer that runs weekly or monthly room for missed runs.

The job buckets have explicit names, `<jobs stack name>-<purpose>-<account>-<region>`:

- the uploads bucket notifies the import trigger directly (`NotificationConfiguration`). S3 checks that
  it may invoke the function when the bucket is configured, so the bucket waits for the function's
  permission; a permission naming the bucket by reference would close a cycle. Named, no reference is
  needed, and no notification custom resource (an extra function with a managed policy and `*` rights).
- any stack builds a bucket's ARNs from the name and pseudo parameters: policies need no cross-stack
  reference, and cdk-nag's wildcard findings on `<bucket ARN>/*` are stable strings acknowledged exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Aws, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from contact_platform import config
from contact_platform.names import pascal
from infra.nag import acknowledge_wildcard, skip_checkov

UPLOADS = "uploads"
EXPORTS = "exports"
# The hand-off buckets (the campaign export types' destinations besides exports) and every destination.
SCORING, VF_SCORING, SFMC = "scoring", "vf_scoring", "sfmc"
HANDOFFS = (SCORING, VF_SCORING, SFMC)
DESTINATIONS = (EXPORTS, *HANDOFFS)
HANDOFF_RETENTION = Duration.days(30)
RETENTION = {
    UPLOADS: Duration.days(1),
    EXPORTS: Duration.days(config.EXPORT_FILE_DAYS),
    **dict.fromkeys(HANDOFFS, HANDOFF_RETENTION),
}
# The variable each bucket's name is given in (contact_platform/config.py).
BUCKET_ENV = {
    UPLOADS: config.ENV_UPLOADS_BUCKET,
    EXPORTS: config.ENV_EXPORTS_BUCKET,
    SCORING: config.ENV_SCORING_BUCKET,
    VF_SCORING: config.ENV_VF_SCORING_BUCKET,
    SFMC: config.ENV_SFMC_BUCKET,
}
INCOMPLETE_UPLOAD_RETENTION = Duration.days(1)  # parts of an abandoned multipart upload
ACCESS_LOG_RETENTION = Duration.days(90)
NOT_VERSIONED = (
    "Not versioned: job files and access logs live days (lifecycle rules) and are written once under keys made "
    "per operation; old versions would only keep deleted contact data longer"
)
SCRATCH_PREFIX = "scratch/"  # where the plan steps write chunk manifests (the state machines read them)

S3_NAME_LIMIT = 63
_ACCOUNT_AND_REGION = len("-123456789012-") + len("ap-southeast-5") + 2  # the longest region name, and spare

# What each kind of access means in S3 actions (explicit actions, never `s3:*Object*`).
OBJECT_READ = ("s3:GetObject",)
OBJECT_PUT = ("s3:PutObject",)  # also every part of a multipart upload
MULTIPART_WRITE = ("s3:PutObject", "s3:AbortMultipartUpload")
OBJECT_DELETE = ("s3:DeleteObject",)  # also DeleteObjects, which checks it per key
BUCKET_LIST = ("s3:ListBucket",)
# Writing an object with an ACL (the `x-amz-acl` of PutObject or CreateMultipartUpload) also needs this.
ACL_WRITE = ("s3:PutObjectAcl",)


def bucket_name(stack_name: str, purpose: str) -> str:
    """`contactplatformjobs-uploads-<account>-<region>`: unique per stack, account and region."""
    prefix = f"{stack_name.lower()}-{purpose.replace('_', '-')}"
    if len(prefix) + _ACCOUNT_AND_REGION > S3_NAME_LIMIT:
        raise ValueError(f"stack name {stack_name!r} is too long for the {purpose} bucket's name")
    return f"{prefix}-{Aws.ACCOUNT_ID}-{Aws.REGION}"


@dataclass(frozen=True)
class JobBucket:
    """A job bucket as other constructs see it: its name and ARNs, usable in any stack of the app."""

    purpose: str  # uploads, exports, scoring, vf_scoring, sfmc
    name: str
    imported: bool = False  # named by context: an existing bucket, possibly of another account

    @property
    def arn(self) -> str:
        return f"arn:{Aws.PARTITION}:s3:::{self.name}"

    def objects(self, prefix: str = "") -> str:
        return f"{self.arn}/{prefix}*"

    def grant_objects(self, role: iam.IRole, actions: Sequence[str], prefix: str = "") -> None:
        """Object actions on the bucket's objects (under `prefix`)."""
        resource = self.objects(prefix)
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(actions), resources=[resource]))
        acknowledge_wildcard(
            role,
            resource,
            f"Objects of the {self.purpose} bucket{' (imported by name)' if self.imported else ''}: their keys "
            f"name the tenant and operation, known only when the job runs; the actions are explicit "
            f"({', '.join(actions)})",
        )

    def grant_list(self, role: iam.IRole) -> None:
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(BUCKET_LIST), resources=[self.arn]))


class JobStorage(Construct):
    """The uploads and exports buckets, the hand-off buckets not named by context, and the bucket their
    server access logs go to. `imported`: hand-off destination -> the name of the existing bucket."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stack_name: str, imported: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 server access logging supports
            enforce_ssl=True,
            versioned=False,
            lifecycle_rules=[s3.LifecycleRule(id="ExpireLogs", expiration=ACCESS_LOG_RETENTION)],
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.access_logs).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the server access log bucket of the job buckets: logging its own access would "
                "log every log delivery",
            )
        )
        skip_checkov(
            self.access_logs,
            {
                "CKV_AWS_18": "This is the server access log bucket of the job buckets: logging its own access "
                "would log every log delivery",
                "CKV_AWS_21": NOT_VERSIONED,
            },
        )
        self.uploads_bucket = self._bucket(
            "Uploads",
            bucket_name(stack_name, UPLOADS),
            UPLOADS,
            # Browsers upload import files with presigned PUT URLs (the URL itself is the authorization).
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
        )
        self.exports_bucket = self._bucket("Exports", bucket_name(stack_name, EXPORTS), EXPORTS)
        self.uploads = JobBucket(UPLOADS, bucket_name(stack_name, UPLOADS))
        self.exports = JobBucket(EXPORTS, bucket_name(stack_name, EXPORTS))
        # Every destination of a job's files, by purpose (exports and the hand-off buckets).
        self.destinations: dict[str, JobBucket] = {EXPORTS: self.exports}
        self.handoff_buckets: dict[str, s3.IBucket] = {}
        for purpose in HANDOFFS:
            given = (imported or {}).get(purpose)
            if given:
                self.handoff_buckets[purpose] = s3.Bucket.from_bucket_name(self, f"{pascal(purpose)}Named", given)
                self.destinations[purpose] = JobBucket(purpose, given, imported=True)
            else:
                name = bucket_name(stack_name, purpose)
                self.handoff_buckets[purpose] = self._bucket(
                    pascal(purpose), name, purpose, object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED
                )
                self.destinations[purpose] = JobBucket(purpose, name)

    def _bucket(
        self,
        construct_id: str,
        name: str,
        purpose: str,
        cors: Sequence[s3.CorsRule] | None = None,
        object_ownership: s3.ObjectOwnership | None = None,
    ) -> s3.Bucket:
        retention = RETENTION[purpose]
        bucket = s3.Bucket(
            self,
            construct_id,
            bucket_name=name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=False,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id=f"Expire{construct_id}",
                    expiration=retention,
                    abort_incomplete_multipart_upload_after=INCOMPLETE_UPLOAD_RETENTION,
                )
            ],
            cors=list(cors) if cors else None,
            object_ownership=object_ownership,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{purpose}/",
            # Short-lived job files only: deleting the stack deletes the bucket once it is empty (a bucket with
            # files left fails the deletion rather than losing them), and leaves no bucket holding the name.
            removal_policy=RemovalPolicy.DESTROY,
        )
        skip_checkov(bucket, {"CKV_AWS_21": NOT_VERSIONED})
        return bucket
