"""Settings read from the function's environment (the same names in CDK and in the local stack)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

# Environment variable names shared by infra/ (CDK) and local/ (embedded stack).
ENV_TABLE_NAME = "TABLE_NAME"
ENV_CURSOR_SECRET_ARN = "CURSOR_SECRET_ARN"
ENV_DEV_MODE = "DEV_MODE"
ENV_AUTH_CACHE_SECONDS = "AUTH_CACHE_SECONDS"
ENV_RATE_LIMIT = "RATE_LIMIT_PER_WINDOW"
ENV_RATE_WINDOW = "RATE_LIMIT_WINDOW_SECONDS"


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    cursor_secret_arn: str
    dev_mode: bool
    auth_cache_seconds: int
    rate_limit: int
    rate_window_seconds: int


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
        auth_cache_seconds=int(env.get(ENV_AUTH_CACHE_SECONDS, "0")),
        rate_limit=int(env.get(ENV_RATE_LIMIT, "1000")),
        rate_window_seconds=int(env.get(ENV_RATE_WINDOW, "600")),
    )
