"""Property-based contract test: schemathesis (`st run`) generates requests from docs/openapi.json,
examples, boundary and type-violating values (coverage phase) and random ones (fuzzing), sends them to
the running stack and checks every response: no server error, status documented, body matching its
schema, invalid requests refused, missing or wrong authentication refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
MAX_EXAMPLES = 25
SEED = 1
# Two checks do not apply to this platform:
# - unsupported_method (405 for undeclared methods): API Gateway answers them with its
#   MISSING_AUTHENTICATION_TOKEN response, which infra/ maps to 404 RESOURCE_NOT_FOUND; the local
#   gateway does the same.
# - positive_data_acceptance (2xx for every schema-valid request): some rules are beyond a schema (an
#   ownerId must name an existing user, a cursor must be one we signed, expiresAt must be in the
#   future); those requests are rightly 4xx with the documented envelope, which the other checks
#   (documented status, response schema) still verify.
EXCLUDED_CHECKS = "unsupported_method,positive_data_acceptance"


def test_api_conforms_to_its_contract(stack: Stack, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--no-color",
        "run",
        str(DOCUMENT),
        "--url",
        stack.base_url,
        "--header",
        f"Authorization: Bearer {stack.admin_key}",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--exclude-checks",
        EXCLUDED_CHECKS,
        "--suppress-health-check",
        "all",
        "--workers",
        "2",
        "--request-timeout",
        "30",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    summary = run.stdout[run.stdout.rfind("SUMMARY") - 40 :] if "SUMMARY" in run.stdout else run.stdout[-4000:]
    failures = run.stdout[run.stdout.find("FAILURES") :] if "FAILURES" in run.stdout else ""
    assert run.returncode == 0, f"{failures[:6000]}\n{summary}\n{run.stderr[-2000:]}"
    operations = sum(len(ops) for ops in json.loads(DOCUMENT.read_text())["paths"].values())
    assert f"Tested: {operations}" in run.stdout, summary
