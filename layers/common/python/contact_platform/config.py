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


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@cache
def settings() -> Settings:
    env = os.environ
    return Settings(
        table_name=env.get(ENV_TABLE_NAME, "contact-platform"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
        cursor_secret_arn=env.get(ENV_CURSOR_SECRET_ARN, "contact-platform/cursor-key"),
        dev_mode=_flag(env.get(ENV_DEV_MODE)),
        auth_cache_seconds=int(env.get(ENV_AUTH_CACHE_SECONDS, "0")),
        rate_limit=int(env.get(ENV_RATE_LIMIT, "1000")),
        rate_window_seconds=int(env.get(ENV_RATE_WINDOW, "600")),
    )
