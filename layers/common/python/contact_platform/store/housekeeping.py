"""What the scheduled cleanup reads: the housekeeping index (GSI2 `DUE#<day>` / `<when>#<tenant>#<id>`,
global across tenants) and its own progress (the last day it has fully worked through)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from contact_platform.store import keys
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item

STATE_SK = "STATE"


class HousekeepingState(Item, discriminator="housekeeping"):
    last_complete_day = UnicodeAttribute(attr_name="lastCompleteDay")


def due_items(day: str, until_iso: str, *, start: LastKey | None) -> Page[Item]:
    """Soft-deleted contacts and operations whose next housekeeping falls on `day`, up to `until_iso`."""
    return query_page(
        Item.gsi2, keys.due_partition(day), limit=100, start=start, condition=Item.gsi2sk <= until_iso + "\uffff"
    )


def last_complete_day() -> str | None:
    state = get_item(HousekeepingState, keys.HOUSEKEEPING_PK, STATE_SK)
    return None if state is None else str(state.last_complete_day)


def save_last_complete_day(day: str) -> None:
    HousekeepingState(pk=keys.HOUSEKEEPING_PK, sk=STATE_SK, last_complete_day=day).save()
