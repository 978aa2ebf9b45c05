"""A pydantic validation problem in the API's words: the field it names (`contact.email`,
`activities[1].activityDate`) and its issue (`required`, `min`, the validator's own message), as the
HTTP layer's 400/422 details (http/validation.py), an import's row errors and the lead migration's
report name them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# pydantic's own words where they leave the client guessing: a moment without its zone (`2026-01-01`,
# `2026-01-01T10:00:00`) is "Input should have timezone info".
_SAID = {"timezone_aware": "must be a date-time with a time zone, for example 2025-08-12T08:41:45Z"}


def message_of(problem: Mapping[str, Any]) -> str:
    """A pydantic problem's message in the words its validator chose, without the `Value error, `
    pydantic puts before a `ValueError`'s own ("not a phone number"); `_SAID` where pydantic's own
    words would leave the client guessing."""
    said = _SAID.get(str(problem.get("type")))
    return said or str(problem.get("msg", "invalid")).removeprefix("Value error, ")


_SOURCES = {"body", "query", "path", "header"}
_ISSUES = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "json_invalid": "malformed JSON",
    # A number out of its range: `min` / `max`, as the CRM seed's "value below 0" error names it.
    "greater_than_equal": "min",
    "greater_than": "min",
    "less_than_equal": "max",
    "less_than": "max",
}


def field_of(error: Mapping[str, Any]) -> str:
    context_field = (error.get("ctx") or {}).get("field")
    loc = [part for part in error.get("loc", ()) if part not in _SOURCES]
    if loc and isinstance(loc[0], str) and loc[0] in {"query", "q", "request", "body"}:
        loc = loc[1:]
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    if context_field and not name:
        return str(context_field)
    return name or "body"


def issue_of(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    meant = (error.get("ctx") or {}).get("meant")
    if kind == "extra_forbidden" and meant:
        return f"unknown field; did you mean {meant}?"
    parameter = (error.get("ctx") or {}).get("query_parameter")
    if kind == "extra_forbidden" and parameter:
        return f"unknown field; {parameter} is a query parameter of this route (?{parameter}=...)"
    if kind in _ISSUES:
        return _ISSUES[kind]
    return message_of(error)
