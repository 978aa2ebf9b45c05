"""Deployment settings from CDK context (`-c key=value` on the CLI, or the overrides tests pass)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs import Construct

from contact_platform.config import flag

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "devMode": False,  # also deploys the dev-only routes (POST /dev/token) and sets DEV_MODE=true
    "layerPath": "build/layer",  # what `make layer` builds: python/ with the package and its dependencies
    "throttleRateLimit": 100,  # API Gateway stage and usage plan: steady requests per second
    "throttleBurstLimit": 200,  # API Gateway stage and usage plan: burst
    # per API key unless the key names its own, counted by the authorizer (docs/architecture.md, "A request")
    "rateLimitPerWindow": 1000,
    "rateLimitWindowSeconds": 600,
    "rateBurstPerSecond": 50,  # per API key (or token subject) unless the key names its own: the burst limit
    "alarmEmail": "",  # subscribed to the alarm topic when set
    "downloadUrlSeconds": 900,  # how long presigned upload and download URLs of job files stay valid
    # The campaign exports' hand-off buckets (infra/storage.py): the name of an existing bucket, possibly of
    # another account, whose policy lets the platform's roles in; empty: the jobs stack creates the bucket.
    "scoringBucket": "",
    "vfScoringBucket": "",
    "sfmcBucket": "",
}
# Each hand-off destination of the campaign export types (contact_platform/campaign_export_types.py) and the
# context key naming its bucket.
HANDOFF_CONTEXT_KEYS: dict[str, str] = {
    "scoring": "scoringBucket",
    "vf_scoring": "vfScoringBucket",
    "sfmc": "sfmcBucket",
}
# S3's rules for a general purpose bucket's name: 3 to 63 lowercase letters, digits, dots and hyphens,
# beginning and ending with a letter or digit.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class LayerNotBuilt(FileNotFoundError):
    """The layer directory is missing: the app cannot package the shared code."""


class InvalidSetting(ValueError):
    """A context value the app cannot deploy with."""


def handoff_buckets(value: Callable[[str], Any]) -> dict[str, str]:
    """The hand-off buckets named by context (destination -> bucket name); a destination not named gets a
    bucket of the jobs stack."""
    named: dict[str, str] = {}
    for destination, key in HANDOFF_CONTEXT_KEYS.items():
        name = str(value(key) or "").strip()
        if not name:
            continue
        if not _BUCKET_NAME.fullmatch(name) or ".." in name:
            raise InvalidSetting(f"-c {key}={name!r} is not an S3 bucket name")
        named[destination] = name
    return named


@dataclass(frozen=True)
class Settings:
    dev_mode: bool
    layer_path: Path
    throttle_rate_limit: float
    throttle_burst_limit: int
    rate_limit_per_window: int
    rate_limit_window_seconds: int
    rate_burst_per_second: int
    alarm_email: str
    download_url_seconds: int
    # Hand-off destinations whose bucket exists already (imported by name), destination -> bucket name.
    handoff_bucket_names: Mapping[str, str]

    @classmethod
    def from_context(cls, scope: Construct) -> Settings:
        def value(key: str) -> Any:
            found = scope.node.try_get_context(key)
            return DEFAULTS[key] if found is None else found

        layer_path = Path(str(value("layerPath")))
        if not layer_path.is_absolute():
            layer_path = REPO_ROOT / layer_path
        if not (layer_path / "python").is_dir():
            raise LayerNotBuilt(
                f"Lambda layer not found at {layer_path}/python: run `make layer` first "
                "(or pass another build with -c layerPath=<dir>)"
            )
        return cls(
            dev_mode=flag(value("devMode")),
            layer_path=layer_path,
            throttle_rate_limit=float(value("throttleRateLimit")),
            throttle_burst_limit=int(value("throttleBurstLimit")),
            rate_limit_per_window=int(value("rateLimitPerWindow")),
            rate_limit_window_seconds=int(value("rateLimitWindowSeconds")),
            rate_burst_per_second=int(value("rateBurstPerSecond")),
            alarm_email=str(value("alarmEmail")),
            download_url_seconds=int(value("downloadUrlSeconds")),
            handoff_bucket_names=handoff_buckets(value),
        )
