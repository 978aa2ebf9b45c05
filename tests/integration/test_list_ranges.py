"""A list's range filters (contacts' createdAfter/createdBefore, deals' valueMin/valueMax, activities'
dueFrom/dueTo, the events' and audit log's since/until, and a segment's saved filter): a range no
record can be in is a 422 naming its upper bound, as a value no record could hold is, not an empty
list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fixtures import Api, business_items

_RANGES = [
    ("/api/v1/contacts", "createdAfter", "createdBefore", "2026-12-01T00:00:00Z", "must be after createdAfter"),
    ("/api/v1/deals", "valueMin", "valueMax", "100", "must be at least valueMin"),
    ("/api/v1/activities", "dueFrom", "dueTo", "2026-12-24", "must be at or after dueFrom"),
    ("/api/v1/events", "since", "until", "2026-12-01T00:00:00Z", "must be after since"),
]
_BELOW = {"createdAfter": "2026-01-01T00:00:00Z", "valueMin": "99.5", "dueFrom": "2026-12-23", "since": "2026-01-01"}
_EXCLUSIVE = ("createdBefore", "until")  # before their moment; the others include theirs


@pytest.mark.parametrize(("path", "low", "high", "value", "issue"), _RANGES)
def test_an_upper_bound_below_the_lower_one_is_a_422_naming_it(
    api: Api, admin: dict[str, Any], path: str, low: str, high: str, value: str, issue: str
) -> None:
    reply = api.get(path, key=admin["apiKey"], params={low: value, high: _BELOW[low]})
    assert reply.status == 422 and reply.error["details"] == [{"field": high, "issue": issue}], reply.body
    ordered = api.get(path, key=admin["apiKey"], params={low: _BELOW[low], high: value})
    assert ordered.status == 200, ordered.body


@pytest.mark.parametrize(("path", "low", "high", "value", "inclusive"), [
    (path, low, high, value, high not in _EXCLUSIVE) for path, low, high, value, _ in _RANGES
])  # fmt: skip
def test_equal_bounds_are_a_range_where_both_are_included(
    api: Api, admin: dict[str, Any], path: str, low: str, high: str, value: str, inclusive: bool
) -> None:
    """createdBefore and until are before their moment, the others at most theirs: equal bounds hold
    records there."""
    reply = api.get(path, key=admin["apiKey"], params={low: value, high: value})
    assert reply.status == (200 if inclusive else 422), reply.body


def test_a_segment_with_a_range_no_contact_is_in_is_refused_and_not_saved(api: Api, admin: dict[str, Any]) -> None:
    before = business_items()
    body = {"name": "Never", "filter": {"createdAfter": "2026-12-01", "createdBefore": "2026-01-01"}}
    reply = api.post("/api/v1/segments", key=admin["apiKey"], json=body)
    assert reply.status == 422, reply.body
    assert reply.error["details"] == [{"field": "filter.createdBefore", "issue": "must be after createdAfter"}]
    assert business_items() == before
