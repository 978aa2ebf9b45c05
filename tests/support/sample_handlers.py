"""Handlers for testing the local Lambda hook itself."""

from __future__ import annotations

import threading
from typing import Any

import boto3


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "function": context.function_name, "remainingMs": context.get_remaining_time_in_millis()}


class Broken(Exception):
    pass


def fail(event: dict[str, Any], context: Any) -> None:
    raise Broken("it broke")


RECORDED: list[dict[str, Any]] = []


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Remembers every event it gets (in RECORDED) and answers with a count."""
    RECORDED.append(event)
    return {"recorded": len(RECORDED)}


def call_back(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Calls the emulator that invoked it (`event["endpoint"]`), as the platform's handlers do."""
    tables = boto3.client("dynamodb", endpoint_url=event["endpoint"]).list_tables()["TableNames"]
    return {"tables": len(tables)}


RUNNING = threading.Event()
RELEASE = threading.Event()


def wait_for_release(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A long invocation: sets RUNNING, then runs until RELEASE is set (at most `event["seconds"]`)."""
    RUNNING.set()
    return {"released": RELEASE.wait(event["seconds"])}
