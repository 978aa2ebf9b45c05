"""The platform's error taxonomy (docs/architecture.md, API conventions).

Services raise these; the HTTP layer renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Detail:
    field: str
    issue: str


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str
    details: list[Detail] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def invalid_request(message: str, details: list[Detail] | None = None) -> ApiError:
    return ApiError(400, "INVALID_REQUEST", message, details or [])


def authentication_failed() -> ApiError:
    return ApiError(401, "AUTHENTICATION_FAILED", "Invalid or expired API key")


def missing_permission(scope: str) -> ApiError:
    return ApiError(403, "INSUFFICIENT_PERMISSIONS", f"Missing required permission: {scope}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, "INSUFFICIENT_PERMISSIONS", message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "RESOURCE_NOT_FOUND", f"{what} not found")


def unknown_route(meant: str | None) -> ApiError:
    """404 for a path the API does not have, naming the one likely meant (`routes.meant_path`)."""
    return (
        not_found("Route")
        if meant is None
        else ApiError(404, "RESOURCE_NOT_FOUND", f"Route not found; did you mean {meant}?")
    )


def method_not_allowed(method: str, resource: str, allowed: list[str]) -> ApiError:
    """405 for a path the API has but not with this method, naming those it has (`Allow`, RFC 9110 15.5.6)."""
    methods = ", ".join(allowed)
    return ApiError(
        405, "METHOD_NOT_ALLOWED", f"{method} is not a method of {resource}; it takes {methods}", [], {"Allow": methods}
    )


def conflict(message: str, details: list[Detail] | None = None) -> ApiError:
    return ApiError(409, "CONFLICT", message, details or [])


def busy(label: str) -> ApiError:
    """409 for a record other requests kept changing under every attempt of this one's write: a retry
    a moment later goes through (`Retry-After: 1`)."""
    return ApiError(409, "CONFLICT", f"{label} is being changed by another request; retry", [], {"Retry-After": "1"})


def value_taken(*, entity: str, field: str, value: str, holder_id: str | None) -> ApiError:
    """409 for a unique value in use (docs/architecture.md, API conventions): the record holding it is
    named only when the caller may read it (`holder_id`); otherwise the message says only that it is taken."""
    if holder_id is None:
        return conflict(f"The value {value} is already taken", [Detail(field, "already taken")])
    return conflict(
        f"A {entity} with {field} {value} already exists: {holder_id}",
        [Detail(field, f"already used by {entity} {holder_id}")],
    )


def precondition_failed(message: str) -> ApiError:
    return ApiError(412, "PRECONDITION_FAILED", message)


def payload_too_large(limit_bytes: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Request body exceeds {limit_bytes} bytes")


def validation_error(message: str, details: list[Detail]) -> ApiError:
    return ApiError(422, "VALIDATION_ERROR", message, details)


MESSAGE_PROBLEMS = 3  # problems a 422's message names; its `details` list every one


def invalid(details: list[Detail], said: list[str] | None = None) -> ApiError:
    """422 whose message names the first problems, as `said` words them or as `field: issue`:
    `Validation failed: limit must be at most 200; name is required (and 2 more)`."""
    sentences = list(dict.fromkeys(said or [f"{detail.field}: {detail.issue}" for detail in details]))
    more = len(sentences) - MESSAGE_PROBLEMS
    named = "; ".join(sentences[:MESSAGE_PROBLEMS]) + (f" (and {more} more)" if more > 0 else "")
    return validation_error(f"Validation failed: {named}", details)


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(429, "RATE_LIMITED", "Rate limit exceeded", headers={"Retry-After": str(retry_after)})
