"""The rate-limit window of a bearer token's subject (a user of a tenant, as its JWT names them): one
global item per subject, made on the subject's first request, counted like an API key's lookup item
(`store/rate_windows.py`) in one conditional UpdateItem (two at a window's start), and gone by TTL
two windows after its last window started (docs/data-model.md)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from contact_platform.store import keys
from contact_platform.store.rate_windows import count_in_window
from contact_platform.store.table import Item

WINDOW_SK = "WINDOW"


class TokenWindow(Item, discriminator="token-window"):
    window_start = NumberAttribute(null=True, attr_name="windowStart")
    window_hits = NumberAttribute(null=True, attr_name="windowHits")
    burst_second = NumberAttribute(null=True, attr_name="burstSecond")
    burst_hits = NumberAttribute(null=True, attr_name="burstHits")


def count_request(
    tenant_id: str,
    user_id: str,
    window_start: int,
    second: int,
    window_seconds: int,
    *,
    count: int = 1,
    same_second: bool = False,
) -> tuple[int, int, int, int]:
    """(windowStart, windowHits, burstSecond, burstHits) of the subject's windows after counting
    `count` requests in them."""
    create = [
        TokenWindow.kind.set(TokenWindow),
        TokenWindow.expires_at.set(window_start + 2 * window_seconds),
    ]
    found = count_in_window(
        TokenWindow,
        keys.token_window_pk(tenant_id, user_id),
        WINDOW_SK,
        window_start,
        second,
        same_second=same_second,
        create=create,
        count=count,
    )
    assert found is not None  # made when missing
    start, hits, second_at, burst = (
        int(found[name]["N"]) for name in ("windowStart", "windowHits", "burstSecond", "burstHits")
    )
    return start, hits, second_at, burst
