"""Who sees an entity record (docs/architecture.md, "Entities"): admin and manager every record of
the tenant, others their own and those shared with everyone, and the roles an entity names as its
`readers` every record of it. Light on imports, so that contacts can check the organization they
name without loading the generic entity service."""

from __future__ import annotations

from collections.abc import Collection

from contact_platform import clock, errors
from contact_platform.permissions import Caller
from contact_platform.store.records import RecordItem

EVERYONE = "everyone"


def gone(record: RecordItem) -> bool:
    """Past its 90 days (the cleanup has not purged it yet)."""
    return record.expires_at is not None and record.expires_at <= clock.epoch(clock.now())


def require_seeing_all(caller: Caller, doing: str, because: str) -> None:
    """403 unless the caller sees every record: for what acts on records whatever their owner (a
    pipeline's delete moves every deal in it, a code wave gives codes to every contact's entries)."""
    if not caller.sees_all_records:
        raise errors.forbidden(f"Only an admin or a manager may {doing}: {because}")


def visible(caller: Caller, record: RecordItem, readers: Collection[str] = ()) -> bool:
    return (
        record.owner_id is None
        or caller.sees_all_records
        or record.owner_id == caller.user_id
        or record.visible_to == EVERYONE
        or caller.role in readers
    )


def seen(caller: Caller, record: RecordItem | None, readers: Collection[str] = ()) -> bool:
    """An active record the caller sees."""
    return record is not None and record.is_active and not gone(record) and visible(caller, record, readers)
