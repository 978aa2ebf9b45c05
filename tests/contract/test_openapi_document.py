"""docs/openapi.json: valid, fresh, complete, and documenting the platform's envelopes only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from contact_platform.routes import ROUTES
from local.openapi import build, render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _checked_in() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DOCS / "openapi.json").read_text())
    return document


def test_checked_in_document_is_fresh() -> None:
    assert _checked_in() == build(), "docs/openapi.json is stale: run `make openapi`"
    assert (DOCS / "api.md").read_text() == render_markdown(build()), "docs/api.md is stale: run `make openapi`"


def test_document_is_valid_openapi() -> None:
    validate(_checked_in())


def test_every_route_is_documented_once_with_its_security() -> None:
    document = _checked_in()
    operations = {(method.upper(), path): op for path, ops in document["paths"].items() for method, op in ops.items()}
    assert set(operations) == {(route.method, route.path) for route in ROUTES}
    for route in ROUTES:
        operation = operations[(route.method, route.path)]
        assert operation["operationId"] == route.name
        assert str(route.status) in operation["responses"]
        assert bool(operation.get("security")) is not route.public, route.name
        if not route.public:
            assert {"401", "403", "429"} <= set(operation["responses"]), route.name


def test_errors_are_documented_as_the_platform_envelope() -> None:
    for ops in _checked_in()["paths"].values():
        for operation in ops.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (operation["operationId"], status)
