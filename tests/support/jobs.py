"""Helpers for job tests: wait for an operation to end, fetch a presigned URL, read it as CSV."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta
from typing import Any

import boto3
import requests

from contact_platform import clock
from local.resources import function_name
from tests.support.fixtures import Api

ENDED = ("FINISHED", "FAILED", "EXPIRED")


def wait_for(api: Api, status_url: str, key: str, timeout: float = 90) -> dict[str, Any]:
    """Poll an operation's status URL until it has ended; its last state."""
    deadline = time.monotonic() + timeout
    while True:
        reply = api.get(status_url, key=key)
        assert reply.status == 200, reply.body
        if reply.data["status"] in ENDED:
            data: dict[str, Any] = reply.data
            return data
        assert time.monotonic() < deadline, f"operation still {reply.data['status']}: {reply.data}"
        time.sleep(0.05)


def accepted(api: Api, path: str, key: str, **kwargs: Any) -> dict[str, Any]:
    """POST a job and check the 202 answer (operationId, status, statusUrl and Location)."""
    reply = api.call(kwargs.pop("method", "POST"), path, key=key, **kwargs)
    assert reply.status == 202, reply.body
    assert reply.header("Location") == reply.data["statusUrl"]
    assert reply.data["status"] in ("PENDING", "TRIGGERED")
    data: dict[str, Any] = reply.data
    return data


def run(api: Api, path: str, key: str, **kwargs: Any) -> dict[str, Any]:
    """Start a job and wait for it to end."""
    return wait_for(api, accepted(api, path, key, **kwargs)["statusUrl"], key)


def cleanup(days_from_now: float) -> dict[str, Any]:
    """Invoke the scheduled cleanup as EventBridge would, `days_from_now` days ahead; its report."""
    moment = clock.iso(clock.now() + timedelta(days=days_from_now))
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": moment, "detail": {}}
    reply = boto3.client("lambda").invoke(FunctionName=function_name("cleanup"), Payload=json.dumps(event).encode())
    assert "FunctionError" not in reply, reply["Payload"].read()
    result: dict[str, Any] = json.loads(reply["Payload"].read())
    return result


def download(url: str) -> bytes:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
