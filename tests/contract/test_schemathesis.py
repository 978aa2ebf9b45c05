"""Property-based contract test: schemathesis generates requests from docs/openapi.json and sends
them to the running stack; no server error, every response documented and matching its schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")

MAX_EXAMPLES = 25
schema = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "docs" / "openapi.json")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_contract(case: schemathesis.Case, stack: Stack) -> None:
    # Two checks do not apply to this platform:
    # - unsupported_method (405 for undeclared methods): API Gateway answers them with its
    #   MISSING_AUTHENTICATION_TOKEN response, which infra/ maps to 404 RESOURCE_NOT_FOUND; the local
    #   gateway does the same.
    # - positive_data_acceptance (2xx for every schema-valid request): some rules are beyond a schema
    #   (an ownerId must name an existing user, a cursor must be one we signed, expiresAt must be in
    #   the future); those requests are rightly 4xx with the documented envelope, which the other
    #   checks (documented status, response schema) still verify.
    case.call_and_validate(
        base_url=stack.base_url,
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        excluded_checks=[unsupported_method, positive_data_acceptance],
    )
