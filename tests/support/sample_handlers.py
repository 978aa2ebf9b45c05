"""Handlers for testing the local Lambda hook itself."""

from __future__ import annotations

from typing import Any


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "function": context.function_name, "remainingMs": context.get_remaining_time_in_millis()}


class Broken(Exception):
    pass


def fail(event: dict[str, Any], context: Any) -> None:
    raise Broken("it broke")
