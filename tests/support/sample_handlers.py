"""Handlers for testing the local Lambda hook itself."""

from __future__ import annotations

from typing import Any


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
