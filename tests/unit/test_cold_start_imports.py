"""What a handler's import must not pull in (docs/architecture.md, "Cold start"): each module named
here cost a cold start a tenth of a second or more. Checked in a fresh interpreter per handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contact_platform.entities.catalog import PLURALS

REPO = Path(__file__).resolve().parents[2]
# Modules no route handler needs at import; tracing is off as in the local stack and in tests.
NEVER = (
    "aws_xray_sdk",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parameters",
    "contact_platform.http.openapi_operation",
    "moto",
    "prometheus_client",  # only GET /metrics renders Prometheus text (about 8 ms)
)
# A GET of one record reads no phone numbers, signs no cursor and validates no email.
NOT_FOR_A_GET = ("phonenumbers", "email_validator")


def _loaded(module: str, *, tracing: bool = False) -> set[str]:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'common' / 'python'}{os.pathsep}{REPO}"}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    if tracing:
        env |= {"AWS_LAMBDA_FUNCTION_NAME": "traced", "POWERTOOLS_TRACE_DISABLED": "false"}
    module, _, attribute = module.partition(":")  # `module:attribute`: the attribute is read too
    touch = f"; {module}.{attribute}" if attribute else ""
    script = f"import json, sys, {module}{touch}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def _under(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(name for name in loaded if any(name == p or name.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize(
    "module",
    [
        "functions.api.contacts.get_contact",
        "functions.api.contacts.list_contacts",
        "functions.api.contacts.create_contact",
        "functions.api.imports.create_import",
        "functions.triggers.authorizer",
        "functions.api.entity_routes:get_organization",
        "functions.api.entity_routes:get_lead",
        "functions.api.leads.add_lead_activity",
    ],
)
def test_a_handler_imports_no_router_no_openapi_and_no_tracing(module: str) -> None:
    assert _under(_loaded(module), NEVER) == []


# JWT decoding and RSA (about 65 ms): loaded on an authorizer's first bearer token only
# (services/bearer_tokens.py), never by a route function.
NOT_FOR_AN_API_KEY = ("jwt", "cryptography")


@pytest.mark.parametrize(
    "module",
    ["functions.triggers.authorizer", "functions.api.contacts.get_contact", "functions.api.dev.get_dev_supremes"],
)
def test_no_jwt_library_until_a_bearer_token_comes(module: str) -> None:
    assert _under(_loaded(module), NOT_FOR_AN_API_KEY) == []


def test_metrics_cost_a_handler_no_import_of_its_own() -> None:
    """`contact_platform.metrics` (every entry point records and flushes through it) uses Powertools'
    metrics package, which `import aws_lambda_powertools` (the Logger's) loads already: recording
    metrics adds no module but itself to a cold start (docs/architecture.md, "Metrics")."""
    extra = _loaded("contact_platform.metrics") - _loaded("aws_lambda_powertools")
    assert extra == {"contact_platform", "contact_platform.metrics"}


def test_the_metrics_route_reads_cloudwatch_only_where_it_is_its_source() -> None:
    assert _under(_loaded("functions.api.health.get_metrics"), ("contact_platform.services.metrics_fold",)) == []


def test_a_get_handler_imports_no_phone_or_email_validation() -> None:
    assert _under(_loaded("functions.api.contacts.get_contact"), NOT_FOR_A_GET) == []


def test_tracing_is_imported_where_it_is_on() -> None:
    assert _under(_loaded("functions.api.contacts.get_contact", tracing=True), ("aws_xray_sdk",)) != []


DECLARATIONS = tuple(f"contact_platform.entities.{plural}" for plural in PLURALS.values())


def test_a_handler_imports_no_entity_declaration_but_its_own() -> None:
    """The route table's derived routes are built only where the whole table is read (tools), so a
    contact route loads no declaration and an entity's route only its own."""
    assert _under(_loaded("functions.api.contacts.get_contact"), DECLARATIONS) == []
    loaded = _loaded("functions.api.entity_routes:get_organization")
    assert _under(loaded, DECLARATIONS) == ["contact_platform.entities.organizations"]
    assert _under(loaded, ("contact_platform.store.contacts",)) == []
    for lead_route in ("functions.api.entity_routes:get_lead", "functions.api.leads.add_lead_activity"):
        assert _under(_loaded(lead_route), DECLARATIONS) == ["contact_platform.entities.leads"], lead_route


RESUMED = """
import gc, importlib, json
import functions
paused = not gc.isenabled()
from contact_platform.routes import AUTHORIZER_HANDLER, UNROUTED_HANDLER, ROUTES
from contact_platform.workflows import CLEANUP, S3_UPLOAD, WORKFLOWS
handlers = [route.handler for route in ROUTES] + [AUTHORIZER_HANDLER, UNROUTED_HANDLER]
handlers += [CLEANUP.handler, S3_UPLOAD.handler]
handlers += [step.handler for workflow in WORKFLOWS for step in workflow.steps]
still_paused = []
for handler in handlers:
    module, _, attribute = handler.rpartition(".")
    gc.disable()  # as functions/__init__.py leaves it for the one entry point of a Lambda process
    getattr(importlib.import_module(module), attribute)
    if not gc.isenabled():
        still_paused.append(handler)
from pydantic import TypeAdapter
TypeAdapter(int).validate_python(1)
from pydantic.plugin import _loader
print(json.dumps({"paused": paused, "handlers": len(handlers), "still_paused": still_paused,
                  "plugins_looked_for": _loader._plugins is not None}))
"""


def test_every_entry_point_resumes_the_collector_its_import_paused() -> None:
    """`functions/__init__.py` pauses the garbage collector while a handler's module imports; every
    deployed entry point, once built, must have resumed it (or its function would never collect a
    reference cycle), and no process looks for pydantic plugins."""
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'layers' / 'common' / 'python'}{os.pathsep}{REPO}"}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", RESUMED], env=env, capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout)
    assert seen["paused"] is True
    assert seen["handlers"] > 100
    assert seen["still_paused"] == []
    assert seen["plugins_looked_for"] is False


@pytest.mark.parametrize(
    "module", ["functions.api.webhooks.list_webhook_deliveries", "functions.api.webhooks.redeliver_webhook_delivery"]
)
def test_the_deliveries_routes_load_no_sender_and_no_signing_library(module: str) -> None:
    """Only the delivery function makes attempts (services/webhook_attempts.py)."""
    assert _under(_loaded(module), ("standardwebhooks", "contact_platform.webhooks.sender")) == []
