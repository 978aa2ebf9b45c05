"""The request being handled: its id and its caller, for the handler and the envelope."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from contact_platform import errors
from contact_platform.permissions import Caller, Role


@dataclass
class RequestState:
    request_id: str
    caller: Caller | None = None
    csv_body: bytes | None = None  # a `text/csv` body, for routes that take one (Route.csv_body)
    source_ip: str | None = None  # the client's address as API Gateway saw it (audit entries that name it)


_current: ContextVar[RequestState] = ContextVar("request_state")


def begin(request_id: str, source_ip: str | None = None) -> RequestState:
    state = RequestState(request_id, source_ip=source_ip)
    _current.set(state)
    return state


def source_ip() -> str | None:
    state = _current.get(None)
    return state.source_ip if state else None


def source_ip_of(event: dict[str, Any]) -> str | None:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return str(identity["sourceIp"]) if identity.get("sourceIp") else None


def base_path_of(event: dict[str, Any]) -> str:
    """What precedes the API's own paths in the URL the client called: API Gateway's stage (`/v1`, in
    `requestContext.path` before the resource path), or a custom domain's base path; locally nothing."""
    called, path = str((event.get("requestContext") or {}).get("path") or ""), str(event.get("path") or "")
    return called.removesuffix(path) if path and called.endswith(path) else ""


def request_id() -> str:
    state = _current.get(None)
    return state.request_id if state else "req_none"


def caller() -> Caller:
    """The authenticated caller of the current request (from the authorizer context only)."""
    state = _current.get(None)
    if state is None or state.caller is None:
        raise errors.authentication_failed()
    return state.caller


def request_id_of(event: dict[str, Any]) -> str:
    """`req_` plus API Gateway's request id (the same id API Gateway logs)."""
    raw = str((event.get("requestContext") or {}).get("requestId") or "unknown")
    return "req_" + raw.replace("-", "")


def csv_body() -> bytes | None:
    """The raw `text/csv` body of the current request, if it sent one."""
    state = _current.get(None)
    return state.csv_body if state else None


def caller_from_context(context: Mapping[str, object], request_id: str) -> Caller:
    """The caller of a request, from the authorizer context API Gateway passed on."""
    try:
        return Caller(
            tenant_id=str(context["tenantId"]),
            user_id=str(context["userId"]),
            role=Role(str(context["role"])),
            scopes=frozenset(str(context.get("scopes", "")).split()),
            key_id=str(context["keyId"]),
            request_id=request_id,
        )
    except (KeyError, ValueError) as error:
        raise errors.authentication_failed() from error
