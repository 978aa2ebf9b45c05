"""Supreme users: a platform-level flag per user, no tenant's data (`PLATFORM` / `SUPREME#<userId>`,
docs/data-model.md). Written only by the operator's `cdp users set-supreme`; read with one GetItem by
the routes that need it (`Route.supreme`, services/supremes.py)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from contact_platform.store import keys
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item


class SupremeItem(Item, discriminator="supreme"):
    user_id = UnicodeAttribute(attr_name="userId")
    granted_at = UnicodeAttribute(attr_name="grantedAt")
    granted_by = UnicodeAttribute(attr_name="grantedBy")


def get_supreme(user_id: str) -> SupremeItem | None:
    return get_item(SupremeItem, keys.PLATFORM_PK, keys.supreme_sk(user_id))


def put_supreme(user_id: str, granted_at: str, granted_by: str) -> None:
    SupremeItem(
        pk=keys.PLATFORM_PK, sk=keys.supreme_sk(user_id), user_id=user_id, granted_at=granted_at, granted_by=granted_by
    ).save()


def delete_supreme(user_id: str) -> bool:
    """True when the user was supreme."""
    item = get_supreme(user_id)
    if item is None:
        return False
    item.delete()
    return True


def list_supremes(*, limit: int, start: LastKey | None) -> Page[SupremeItem]:
    return query_page(
        SupremeItem,
        keys.PLATFORM_PK,
        limit=limit,
        start=start,
        forward=True,
        condition=SupremeItem.sk.startswith(keys.supreme_sk("")),
    )
