"""Segments (saved audiences): a saved contact filter or an explicit list of contact IDs."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError

from contact_platform.store import keys
from contact_platform.store.audit import AuditItem
from contact_platform.store.errors import StaleVersion
from contact_platform.store.paging import LastKey, Page, query_page
from contact_platform.store.table import Item, get_item, string_list, string_map, transaction

SEGMENT_SK = "SEGMENT"


class SegmentItem(Item, discriminator="segment"):
    tenant_id = UnicodeAttribute(attr_name="tenantId")
    segment_id = UnicodeAttribute(attr_name="id")
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    filter = string_map("filter")
    contact_ids = string_list("contactIds")
    is_list = NumberAttribute(default=0, attr_name="isList")  # 1: an explicit list of contact IDs
    created_at = UnicodeAttribute(attr_name="createdAt")
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    created_by = UnicodeAttribute(attr_name="createdBy")
    version = NumberAttribute(default=1)


def new_segment(tenant_id: str, segment_id: str, created_at: str, **fields: Any) -> SegmentItem:
    return SegmentItem(
        pk=keys.segment_pk(tenant_id, segment_id),
        sk=SEGMENT_SK,
        gsi1pk=keys.segments_collection(tenant_id),
        gsi1sk=keys.sortable(created_at, segment_id),
        tenant_id=tenant_id,
        segment_id=segment_id,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )


def get_segment(tenant_id: str, segment_id: str) -> SegmentItem | None:
    return get_item(SegmentItem, keys.segment_pk(tenant_id, segment_id), SEGMENT_SK)


def get_segments(tenant_id: str, segment_ids: list[str]) -> dict[str, SegmentItem]:
    """Segment ID -> segment (BatchGetItem); unknown IDs are absent."""
    wanted = [(keys.segment_pk(tenant_id, segment_id), SEGMENT_SK) for segment_id in dict.fromkeys(segment_ids)]
    if not wanted:
        return {}
    return {item.segment_id: item for item in SegmentItem.batch_get(wanted, consistent_read=True)}


def named(segment: SegmentItem, name_key: str) -> None:
    """The segment in its tenant's list by name (GSI3, the folded name), where `search` looks."""
    segment.gsi3pk = keys.segments_collection(segment.tenant_id)
    segment.gsi3sk = keys.sortable(name_key, segment.segment_id)


def list_segments(tenant_id: str, *, limit: int, start: LastKey | None, prefix: str | None = None) -> Page[SegmentItem]:
    """Newest first; with `prefix`, those whose folded name begins with it, A to Z."""
    collection = keys.segments_collection(tenant_id)
    if prefix:
        by_name = SegmentItem.gsi3sk.startswith(prefix)
        return query_page(SegmentItem.gsi3, collection, limit=limit, start=start, condition=by_name)
    return query_page(SegmentItem.gsi1, collection, limit=limit, start=start, forward=False)


def save(segment: SegmentItem, audit: AuditItem, *, expected_version: int | None) -> None:
    """Create (expected_version None) or replace a segment, with its audit item, in one transaction."""
    condition = SegmentItem.pk.does_not_exist() if expected_version is None else SegmentItem.version == expected_version
    try:
        with transaction() as tx:
            tx.save(segment, condition=condition)
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(segment.segment_id) from error


def delete(segment: SegmentItem, audit: AuditItem) -> None:
    try:
        with transaction() as tx:
            tx.delete(segment, condition=SegmentItem.version == segment.version)
            tx.save(audit)
    except TransactWriteError as error:
        raise StaleVersion(segment.segment_id) from error
