"""What a job plan lists of a segment (`segments.member_ids`: IDs and only the attributes the filter
checks, with a cursor after each) is what the segment's contacts route lists, in the same order, for
every kind of filter and for a caller who sees only own contacts; and a plan resumed from any
cursor lists exactly the rest."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform.permissions import Caller, Role
from contact_platform.services import contact_queries, segments
from contact_platform.store import segments as segment_store
from tests.support.entities import make
from tests.support.fixtures import Api
from tests.support.request_counter import dynamodb_requests


def _caller(token: dict[str, Any]) -> Caller:
    return Caller(token["tenantId"], token["userId"], Role(token["role"]), frozenset(), "", "req_test")


def _listed(pages: Any) -> list[str]:
    return [contact_id for page in pages for contact_id, _ in page.items]


def _route_lists(api: Api, token: dict[str, Any], segment_id: str) -> list[str]:
    """The IDs `GET /segments/{segmentId}/contacts` gives the token's caller, every page."""
    ids: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        reply = api.get(f"/api/v1/segments/{segment_id}/contacts", key=token["apiKey"], params=params)
        assert reply.status == 200, reply.body
        ids += [contact["id"] for contact in reply.data]
        cursor = reply.body["meta"]["pagination"]["nextCursor"]
        if cursor is None:
            return ids
        params["cursor"] = cursor


@pytest.fixture
def tenant(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    """An admin and a user of one tenant with contacts of several tags, names, owners and an
    organization, one of them deleted."""
    key = admin["apiKey"]
    user = api.token("user", tenant_id=admin["tenantId"])
    acme = make(api, key, "organization")["id"]
    made = [
        api.create_contact(key, name="Anna Berg", tags=["vip", "berlin"], organizationId=acme),
        api.create_contact(key, name="Bert Annan", tags=["vip"]),
        api.create_contact(user["apiKey"], name="Anne User", tags=["vip", "berlin"]),
        api.create_contact(key, name="Carl Stone", tags=["berlin"], organizationId=acme),
        api.create_contact(user["apiKey"], name="Dora Ann", tags=[]),
        api.create_contact(key, name="Anna Gone", tags=["vip"]),
        api.create_contact(key, name="Emil Vip", tags=["VIP", "hamburg"]),
    ]
    api.delete(f"/api/v1/contacts/{made[5]['id']}", key=key)
    ids = [contact["id"] for contact in made]
    return {"admin": admin, "user": user, "acme": acme, "ids": ids, "middle": made[3]["createdAt"]}


def _filters(tenant: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {},
        {"tag": ["vip"]},
        {"tag": ["vip", "hamburg"]},
        {"tagsAll": ["vip", "berlin"]},
        {"tagsAll": ["berlin"], "tag": ["vip", "hamburg"]},
        {"organizationId": tenant["acme"]},
        {"organizationId": tenant["acme"], "tag": ["berlin"]},
        {"search": "ann"},
        {"search": "ann", "tag": ["vip"]},
        {"createdAfter": tenant["middle"]},
        {"createdBefore": tenant["middle"], "tag": ["vip"]},
        {"ownerId": tenant["user"]["userId"]},
    ]


def _segment(api: Api, token: dict[str, Any], body: dict[str, Any]) -> Any:
    reply = api.post("/api/v1/segments", key=token["apiKey"], json={"name": "Audience", **body})
    assert reply.status == 201, reply.body
    found = segment_store.get_segment(token["tenantId"], reply.data["id"])
    assert found is not None
    return found


def test_member_ids_are_the_members_in_order_for_every_filter_and_caller(api: Api, tenant: dict[str, Any]) -> None:
    admin, user = tenant["admin"], tenant["user"]
    bodies = [{"filter": body} for body in _filters(tenant)]
    bodies.append({"contactIds": [tenant["ids"][n] for n in (4, 0, 5, 2, 6)] + ["con_unknown"]})
    for body in bodies:
        segment = _segment(api, admin, body)
        for token in (admin, user):
            scope = _caller(token)
            full = _route_lists(api, token, segment.segment_id)
            assert _listed(segments.member_ids(segment, scope)) == full, (body, token["role"])


def test_a_listing_resumed_from_any_cursor_lists_exactly_the_rest(api: Api, tenant: dict[str, Any]) -> None:
    admin = tenant["admin"]
    for body in _filters(tenant):
        wanted = segments.criteria(_segment(api, admin, {"filter": body}), _caller(admin))
        pages = list(contact_queries.matching_ids(admin["tenantId"], wanted, page_size=2))
        listed = [entry for page in pages for entry in page.items]
        for position, (_, after) in enumerate(listed):
            rest = _listed(contact_queries.matching_ids(admin["tenantId"], wanted, start=after, page_size=2))
            assert rest == [contact_id for contact_id, _ in listed[position + 1 :]], (body, position)
        ends = [page.last_key for page in pages[:-1]]
        assert None not in ends and pages[-1].last_key is None
        for number, end in enumerate(ends):
            rest = _listed(contact_queries.matching_ids(admin["tenantId"], wanted, start=end, page_size=2))
            assert rest == _listed(pages[number + 1 :]), (body, number)


def test_a_tag_or_search_filter_alone_reads_no_contact(api: Api, tenant: dict[str, Any]) -> None:
    """Tag assignments and search entries exist only for active contacts holding the tag or token: a
    filter of nothing else lists their IDs without reading the contacts (one Query a page; any of
    several tags, one Query of each tag's assignments a page)."""
    admin = tenant["admin"]
    for body, queries in (
        ({"tag": ["vip"]}, 1),
        ({"search": "ann"}, 1),
        ({"tagsAll": ["vip"]}, 1),
        ({"tag": ["vip", "hamburg"]}, 2),
    ):
        segment = _segment(api, admin, {"filter": body})
        with dynamodb_requests() as sent:
            listed = _listed(segments.member_ids(segment, _caller(admin)))
        assert listed and dict(sent) == {"Query": queries}, (body, sent)
