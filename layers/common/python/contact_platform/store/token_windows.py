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


def count_request(
    tenant_id: str, user_id: str, window_start: int, window_seconds: int, *, count: int = 1
) -> tuple[int, int]:
    """(windowStart, windowHits) of the subject's window after counting `count` requests in it."""
    create = [
        TokenWindow.kind.set(TokenWindow),
        TokenWindow.expires_at.set(window_start + 2 * window_seconds),
    ]
    found = count_in_window(
        TokenWindow, keys.token_window_pk(tenant_id, user_id), WINDOW_SK, window_start, create=create, count=count
    )
    assert found is not None  # made when missing
    return int(found["windowStart"]["N"]), int(found["windowHits"]["N"])
