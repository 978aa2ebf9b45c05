"""Per-key rate limits: fixed windows counted in the table, `X-RateLimit-*` on every response."""

from __future__ import annotations

import time

from contact_platform.config import settings
from contact_platform.errors import ApiError
from contact_platform.permissions import Caller
from contact_platform.store import rate_limits


def check(caller: Caller) -> dict[str, str]:
    """Count this request; the headers to send, or a 429 `RATE_LIMITED` carrying them and `Retry-After`."""
    window = settings().rate_window_seconds
    now = int(time.time())
    start = now - now % window
    reset = start + window
    limit = caller.rate_limit or settings().rate_limit
    hits = rate_limits.count_hit(caller.tenant_id, caller.key_id, start, expires_at=reset + window)
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, limit - hits)),
        "X-RateLimit-Reset": str(reset),
    }
    if hits > limit:
        retry = {"Retry-After": str(max(1, reset - now))}
        raise ApiError(
            429, "RATE_LIMITED", f"Rate limit of {limit} requests per {window} s exceeded", [], headers | retry
        )
    return headers
