"""Every entry point starts its log state afresh: keys a job step appended (`operationId`, `step`) never
reach the log lines of the next invocation in the same warm process, whatever kind it is."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from contact_platform.observability import logger
from contact_platform.routes import AUTHORIZER_HANDLER
from contact_platform.workflows import CLEANUP, S3_UPLOAD, WORKFLOWS
from tests.support.fixtures import Api

STEP = WORKFLOWS[0].steps[0]


def _context(name: str) -> Any:
    return SimpleNamespace(
        function_name=name,
        memory_limit_in_mb=512,
        invoked_function_arn=f"arn:aws:lambda:eu-central-1:000000000000:function:{name}",
        aws_request_id=f"req-{name}",
    )


def _handler(path: str) -> Callable[[dict[str, Any], Any], Any]:
    module, _, name = path.rpartition(".")
    handler: Callable[[dict[str, Any], Any], Any] = getattr(importlib.import_module(module), name)
    return handler


def _leave_job_keys_behind() -> None:
    with pytest.raises(Exception, match="operation does not exist"):
        _handler(STEP.handler)({"tenantId": "ten_x", "operationId": "op_leaked"}, _context("step"))
    assert logger.get_current_keys().get("operationId") == "op_leaked"


def test_an_api_route_and_the_authorizer_do_not_inherit_a_steps_keys(api: Api, admin: dict[str, Any]) -> None:
    _leave_job_keys_behind()
    assert api.get("/heartbeat").status == 200  # a public route: its function alone, no authorizer
    assert "operationId" not in logger.get_current_keys()
    assert "step" not in logger.get_current_keys()
    _leave_job_keys_behind()
    api.create_contact(admin["apiKey"], name="Logged")  # the authorizer, then the route's function
    assert "operationId" not in logger.get_current_keys()
    _leave_job_keys_behind()
    with pytest.raises(Exception, match="Unauthorized"):
        _handler(AUTHORIZER_HANDLER)({"type": "REQUEST", "headers": {}}, _context("authorizer"))
    assert "operationId" not in logger.get_current_keys()


def test_triggers_do_not_inherit_a_steps_keys(api: Api) -> None:
    _leave_job_keys_behind()
    assert _handler(S3_UPLOAD.handler)({"Records": []}, _context(S3_UPLOAD.name)) == {"operations": []}
    assert "operationId" not in logger.get_current_keys()
    _leave_job_keys_behind()
    counts = _handler(CLEANUP.handler)({"time": "2026-01-01T03:00:00Z"}, _context(CLEANUP.name))
    assert isinstance(counts, dict)
    assert "operationId" not in logger.get_current_keys()


def test_a_step_carries_its_own_operation_only(api: Api) -> None:
    _leave_job_keys_behind()
    with pytest.raises(Exception, match="operation does not exist"):
        _handler(STEP.handler)({"tenantId": "ten_x", "operationId": "op_second"}, _context("step"))
    assert logger.get_current_keys()["operationId"] == "op_second"
