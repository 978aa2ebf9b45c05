"""What a request of `cdp serve` waits for while the stack is provisioned in the background."""

from __future__ import annotations

import threading

import pytest

from contact_platform.errors import ApiError
from contact_platform.routes import ROUTES_BY_NAME
from local import stack
from local.stack import Readiness


def _waiting(readiness: Readiness, route_name: str) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def wait() -> None:
        try:
            readiness.wait_for(ROUTES_BY_NAME[route_name])
            outcome.append("ready")
        except ApiError as error:
            outcome.append(error.status)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread, outcome


def test_the_heartbeat_waits_for_nothing_the_api_for_the_data_job_routes_for_the_jobs() -> None:
    readiness = Readiness()
    readiness.wait_for(ROUTES_BY_NAME["get_heartbeat"])  # returns at once
    api, api_outcome = _waiting(readiness, "list_contacts")
    job, job_outcome = _waiting(readiness, "list_imports")
    assert readiness.jobs_wanted.wait(5), "a job route asks for the jobs part at once"
    api.join(0.2)
    assert api.is_alive() and not api_outcome
    readiness.data.set()
    api.join(5)
    assert api_outcome == ["ready"]
    job.join(0.2)
    assert job.is_alive() and not job_outcome, "the data alone is not enough for a job route"
    readiness.jobs.set()
    job.join(5)
    assert job_outcome == ["ready"]


def test_a_failed_provisioning_answers_waiting_requests_with_500(monkeypatch: pytest.MonkeyPatch) -> None:
    readiness = Readiness()
    waiting, outcome = _waiting(readiness, "create_contact")
    readiness.fail(RuntimeError("the endpoint refused"))
    waiting.join(5)
    assert outcome == [500]
    with pytest.raises(ApiError) as raised:
        readiness.wait_for(ROUTES_BY_NAME["create_export"])
    assert (raised.value.status, raised.value.code) == (500, "INTERNAL_ERROR")
    monkeypatch.setattr(stack, "READY_TIMEOUT_SECONDS", 0.05)
    with pytest.raises(ApiError):
        Readiness().wait_for(ROUTES_BY_NAME["get_contact"])  # never provisioned: refused after the timeout
