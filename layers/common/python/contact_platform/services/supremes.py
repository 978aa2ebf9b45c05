"""Supreme users (docs/architecture.md, "Supreme users"): a platform-level flag an operator sets with
`cdp users set-supreme USER_ID` (never the tenant API), which lets a user call the routes marked
`Route(..., supreme=True)` (the CCPA erasure, `GET /dev/supremes`) in any tenant.

`http/endpoint.py` calls `require_supreme` after authentication on those routes only, so no other
route pays its GetItem.
"""

from __future__ import annotations

from dataclasses import dataclass

from contact_platform import clock, errors
from contact_platform.permissions import Caller
from contact_platform.store import supremes as store

NOT_SUPREME = "Only a supreme user may call this route"


@dataclass(frozen=True)
class Supreme:
    user_id: str
    granted_at: str
    granted_by: str


def is_supreme(user_id: str) -> bool:
    """One consistent GetItem: a revoked flag counts from the next request on."""
    return bool(user_id) and store.get_supreme(user_id) is not None


def require_supreme(caller: Caller) -> None:
    """403 `INSUFFICIENT_PERMISSIONS` unless the caller's user is supreme."""
    if not is_supreme(caller.user_id):
        raise errors.forbidden(NOT_SUPREME)


def set_supreme(user_id: str, *, granted_by: str) -> Supreme:
    """Flag the user supreme (again: the flag is replaced). The operator's command only."""
    granted_at = clock.iso(clock.now())
    store.put_supreme(user_id, granted_at, granted_by)
    return Supreme(user_id, granted_at, granted_by)


def revoke_supreme(user_id: str) -> bool:
    """Remove the flag; True when the user had it."""
    return store.delete_supreme(user_id)


def list_supremes() -> list[Supreme]:
    """Every supreme user (few: an operator's list)."""
    found: list[Supreme] = []
    start = None
    while True:
        page = store.list_supremes(limit=100, start=start)
        found += [Supreme(item.user_id, item.granted_at, item.granted_by) for item in page.items]
        start = page.last_key
        if start is None:
            return found
