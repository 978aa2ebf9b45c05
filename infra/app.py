"""The CDK app: data, observability, jobs, webhooks and API stacks, checked by cdk-nag (AwsSolutions).

`make synth` (`python -m infra.app [-c key=value ...]`) or `npx aws-cdk@2 synth` writes cdk.out/;
synthesis fails on any unacknowledged cdk-nag error.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.api import ApiStack
from infra.data import DataStack
from infra.observability import ObservabilityStack
from infra.settings import REPO_ROOT, InvalidSetting, LayerNotBuilt, Settings
from infra.webhooks import WebhooksStack
from infra.workflows import JobsStack


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context (feature flags), so a plain `python -m infra.app` synthesizes what the CLI does."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> App:
    """The app with its stacks; `context` overrides cdk.json (the CLI's `-c` values override both)."""
    app = App(context={**cdk_json_context(), **(context or {})}, outdir=outdir)
    settings = Settings.from_context(app)
    data = DataStack(app, "ContactPlatformData", description="contact-platform: table and cursor key")
    observability = ObservabilityStack(
        app, "ContactPlatformObservability", alarm_email=settings.alarm_email, description="contact-platform: alarms"
    )
    jobs = JobsStack(
        app,
        "ContactPlatformJobs",
        settings=settings,
        table=data.table,
        alarm_topic=observability.alarm_topic,
        description="contact-platform: job buckets, state machines, step functions and triggers",
    )
    webhooks = WebhooksStack(
        app,
        "ContactPlatformWebhooks",
        settings=settings,
        table=data.table,
        alarm_topic=observability.alarm_topic,
        description="contact-platform: webhook delivery queue, event dispatcher and delivery function",
    )
    api = ApiStack(
        app,
        "ContactPlatformApi",
        settings=settings,
        table=data.table,
        cursor_secret=data.cursor_secret,
        alarm_topic=observability.alarm_topic,
        jobs=jobs.resources,
        webhooks=webhooks.resources,
        description="contact-platform: REST API, authorizer and route functions",
    )
    # Routes name the job buckets without a reference to them (infra/storage.py): deploy the jobs first.
    api.add_stack_dependency(jobs)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True))
    return app


def _context_item(text: str) -> tuple[str, str]:
    key, separator, value = text.partition("=")
    if not key or not separator:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.app", description=__doc__)
    parser.add_argument(
        "-c", "--context", action="append", default=[], type=_context_item, metavar="KEY=VALUE", help="context value"
    )
    args = parser.parse_args(argv)
    context = dict(args.context)
    # Under the CDK CLI, CDK_OUTDIR says where to write; run directly, the app writes cdk.out like the CLI.
    outdir = None if "CDK_OUTDIR" in os.environ else str(REPO_ROOT / "cdk.out")
    try:
        app = build_app(context, outdir=outdir)
    except (LayerNotBuilt, InvalidSetting) as error:
        raise SystemExit(str(error)) from None
    app.synth()


if __name__ == "__main__":
    main()
