"""Fixed-window request counters per API key: one UpdateItem (ADD) per request."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from contact_platform.store import keys
from contact_platform.store.table import Item


class RateWindow(Item, discriminator="rate-window"):
    hits = NumberAttribute(default=0)


def count_hit(tenant_id: str, key_id: str, window_start: int, expires_at: int) -> int:
    """Add one hit to the key's current window and return the window's total so far."""
    window = RateWindow(pk=keys.rate_pk(tenant_id, key_id), sk=str(window_start))
    window.update(
        actions=[
            RateWindow.hits.add(1),
            RateWindow.expires_at.set(expires_at),
            RateWindow.kind.set(RateWindow),
        ]
    )
    return int(window.hits)
