"""Settings read from the function's environment (the same names in CDK and in the local stack)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

# Environment variable names shared by infra/ (CDK) and local/ (embedded stack).
ENV_TABLE_NAME = "TABLE_NAME"
ENV_CURSOR_SECRET_ARN = "CURSOR_SECRET_ARN"
ENV_DEV_MODE = "DEV_MODE"
ENV_RATE_LIMIT = "RATE_LIMIT_PER_WINDOW"
ENV_RATE_WINDOW = "RATE_LIMIT_WINDOW_SECONDS"
ENV_UPLOADS_BUCKET = "UPLOADS_BUCKET"
ENV_EXPORTS_BUCKET = "EXPORTS_BUCKET"
# Where campaign exports go besides the exports bucket (campaign_export_types.py): buckets that may
# belong to another account, named by CDK context (docs/architecture.md, "Campaign exports").
ENV_SCORING_BUCKET = "SCORING_BUCKET"
ENV_VF_SCORING_BUCKET = "VF_SCORING_BUCKET"
ENV_SFMC_BUCKET = "SFMC_BUCKET"
ENV_DOWNLOAD_URL_SECONDS = "DOWNLOAD_URL_SECONDS"
ENV_CHUNK_ROWS = "CHUNK_ROWS"
# The most rate-limit numbers the authorizer reserves at once for a busy key (services/authentication.py,
# "Leases"; docs/architecture.md, "A request"); 1: every request makes its own count.
ENV_RATE_LEASE_MAX = "RATE_LEASE_MAX"
ENV_RATE_BURST = "RATE_BURST_PER_SECOND"
# The most rows one invocation of a plan that loops (the export's) lists before it hands on a cursor;
# it also stops when its Lambda's time runs short (jobs/steps.py, docs/architecture.md, Jobs).
ENV_PLAN_ROWS = "PLAN_ROWS"
# The most records a delete or merge moves within the request (entities/references.py); more move in a job.
ENV_INLINE_MOVES = "INLINE_MOVES"
# The webhook delivery queue and its dead-letter queue (docs/architecture.md, "Webhooks: delivery").
ENV_WEBHOOK_QUEUE_URL = "WEBHOOK_QUEUE_URL"
ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL = "WEBHOOK_DEAD_LETTER_QUEUE_URL"
# The KMS key (ID, ARN or alias) that seals webhook signing secrets at rest (webhooks/sealing.py).
ENV_WEBHOOK_SECRETS_KEY = "WEBHOOK_SECRETS_KEY"
WEBHOOK_SECRETS_KEY_ALIAS = "alias/contact-platform-webhook-secrets"
# Test-only fault injection: `<workflow>.<step>` (for example `exports.finalize`) raises in that step.
# Honoured only in dev mode, never on a production stage.
ENV_FAULT_STEP = "FAULT_STEP"
# JWT bearer tokens (docs/architecture.md, "Bearer tokens"): the one issuer the authorizer trusts, where
# its public keys are (a JWKS document), the audience the tokens must name (unset: no `aud` check, as for
# Cognito's access tokens, which carry none), the app clients whose tokens count (`client_id`; unset:
# any), and the prefix of the resource server's scopes (`cdp/contacts:read` -> `contacts:read`).
# No issuer: the JWT path is off and only API keys are accepted.
ENV_JWT_ISSUER = "JWT_ISSUER"
ENV_JWT_JWKS_URL = "JWT_JWKS_URL"
ENV_JWT_AUDIENCE = "JWT_AUDIENCE"
ENV_JWT_CLIENT_IDS = "JWT_CLIENT_IDS"
ENV_JWT_SCOPE_PREFIX = "JWT_SCOPE_PREFIX"
# The local stack's dev issuer: its RSA private key (PEM), made when the stack starts (services/dev_issuer.py).
ENV_DEV_ISSUER_KEY = "DEV_ISSUER_PRIVATE_KEY"


# How long an export's file stays in the exports bucket: the cleanup deletes it and marks the export
# EXPIRED after this, and the bucket's lifecycle rule (infra/storage.py) removes what is left.
EXPORT_FILE_DAYS = 7


def state_machine_env(workflow: str) -> str:
    """The variable holding a workflow's state machine ARN: `EXPORTS_STATE_MACHINE_ARN`, ..."""
    return f"{workflow.upper()}_STATE_MACHINE_ARN"


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    cursor_secret_arn: str
    dev_mode: bool
    rate_limit: int
    rate_window_seconds: int
    rate_lease_max: int
    rate_burst: int  # requests a second a key (or a token's subject) may make, unless its key says otherwise
    uploads_bucket: str
    exports_bucket: str
    scoring_bucket: str
    vf_scoring_bucket: str
    sfmc_bucket: str
    download_url_seconds: int
    chunk_rows: int
    plan_rows: int
    inline_moves: int
    fault_step: str | None
    webhook_queue_url: str
    webhook_dead_letter_queue_url: str
    webhook_secrets_key: str
    jwt_issuer: str
    jwt_jwks_url: str
    jwt_audience: str
    jwt_client_ids: frozenset[str]
    jwt_scope_prefix: str

    def bucket(self, destination: str) -> str:
        """The bucket of an export destination: `exports`, `scoring`, `vf_scoring`, `sfmc`."""
        name: str = getattr(self, f"{destination}_bucket")
        return name

    def state_machine_arn(self, workflow: str) -> str:
        return os.environ.get(state_machine_env(workflow), "")


def flag(value: object) -> bool:
    """A switch from text (`true`, `1`, `yes`, `on`; the environment, CDK's `-c`) or a boolean."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get(ENV_TABLE_NAME, "contact-platform"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
        cursor_secret_arn=env.get(ENV_CURSOR_SECRET_ARN, "contact-platform/cursor-key"),
        dev_mode=flag(env.get(ENV_DEV_MODE)),
        rate_limit=int(env.get(ENV_RATE_LIMIT, "1000")),
        rate_window_seconds=int(env.get(ENV_RATE_WINDOW, "600")),
        rate_lease_max=max(1, int(env.get(ENV_RATE_LEASE_MAX, "16"))),
        rate_burst=int(env.get(ENV_RATE_BURST, "50")),
        uploads_bucket=env.get(ENV_UPLOADS_BUCKET, "contact-platform-uploads"),
        exports_bucket=env.get(ENV_EXPORTS_BUCKET, "contact-platform-exports"),
        scoring_bucket=env.get(ENV_SCORING_BUCKET, "contact-platform-scoring"),
        vf_scoring_bucket=env.get(ENV_VF_SCORING_BUCKET, "contact-platform-vf-scoring"),
        sfmc_bucket=env.get(ENV_SFMC_BUCKET, "contact-platform-sfmc"),
        download_url_seconds=int(env.get(ENV_DOWNLOAD_URL_SECONDS, "900")),
        chunk_rows=int(env.get(ENV_CHUNK_ROWS, "5000")),
        plan_rows=int(env.get(ENV_PLAN_ROWS, "1000000")),
        inline_moves=int(env.get(ENV_INLINE_MOVES, "100")),
        fault_step=(env.get(ENV_FAULT_STEP) or None) if flag(env.get(ENV_DEV_MODE)) else None,
        webhook_queue_url=env.get(ENV_WEBHOOK_QUEUE_URL, ""),
        webhook_dead_letter_queue_url=env.get(ENV_WEBHOOK_DEAD_LETTER_QUEUE_URL, ""),
        webhook_secrets_key=env.get(ENV_WEBHOOK_SECRETS_KEY, WEBHOOK_SECRETS_KEY_ALIAS),
        jwt_issuer=env.get(ENV_JWT_ISSUER, ""),
        jwt_jwks_url=env.get(ENV_JWT_JWKS_URL, ""),
        jwt_audience=env.get(ENV_JWT_AUDIENCE, ""),
        jwt_client_ids=frozenset(filter(None, (c.strip() for c in env.get(ENV_JWT_CLIENT_IDS, "").split(",")))),
        jwt_scope_prefix=env.get(ENV_JWT_SCOPE_PREFIX, ""),
    )
