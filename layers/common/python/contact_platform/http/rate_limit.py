"""Per-key rate limits: `X-RateLimit-*` on every response and 429 past the limit of the window or
of the second (the burst limit), from what the authorizer counted (its context: `rateLimit`,
`rateHits`, `rateReset`, `rateWindow`, `burstLimit`, `burstHits`). The route function makes no request
for it (docs/architecture.md, "A request")."""

from __future__ import annotations

from collections.abc import Mapping

from contact_platform import clock, errors
from contact_platform.errors import ApiError


def check(context: Mapping[str, object]) -> dict[str, str]:
    """The headers to send, or a 429 `RATE_LIMITED` carrying them and `Retry-After`; 401 when the
    authorizer context carries no count (as for a context without a caller)."""
    try:
        limit, hits, reset, window = (
            int(str(context[name])) for name in ("rateLimit", "rateHits", "rateReset", "rateWindow")
        )
    except (KeyError, ValueError) as error:
        raise errors.authentication_failed() from error
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - hits)),
        "X-RateLimit-Reset": str(reset),
    }
    if hits > limit:
        retry = {"Retry-After": str(max(1, reset - clock.epoch(clock.now())))}
        raise ApiError(
            429, "RATE_LIMITED", f"Rate limit of {limit} requests per {window} s exceeded", [], headers | retry
        )
    # Absent from the context of an authorizer deployed before the burst limit (a deployment updates
    # the functions one by one): no burst check then.
    burst_limit, burst_hits = (int(str(context.get(name, 0))) for name in ("burstLimit", "burstHits"))
    if burst_limit and burst_hits > burst_limit:
        message = f"Burst limit of {burst_limit} requests a second exceeded"
        raise ApiError(429, "RATE_LIMITED", message, [], headers | {"Retry-After": "1"})
    return headers
