"""The request's shape, checked for every route before any model sees it (docs/architecture.md, API
conventions): JSON nested too deep or with a key twice in one object is a 400, a query parameter the
route does not take is a 422 that lists the ones it does, and every bad query value is a 422
`VALIDATION_ERROR` with `details`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from contact_platform.http.endpoint import MAX_JSON_DEPTH
from contact_platform.route import Route
from contact_platform.routes import ROUTES
from contact_platform.services import supremes
from tests.support.fixtures import Api, business_items

BODY_ROUTES = [route for route in ROUTES if route.method in ("POST", "PATCH", "PUT")]


def _path(route: Route) -> str:
    """The route's path with a well-formed, unknown ID in every parameter."""
    return re.sub(r"\{(\w+)\}", "xyz_unknown0000000000000", route.path)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture(scope="module")
def roomy(aws_module: None) -> tuple[Api, dict[str, Any]]:
    """An admin, supreme as well: supreme routes (`Route.supreme`) check the flag before the query."""
    api = Api()
    admin = api.token("admin")
    supremes.set_supreme(admin["userId"], granted_by="test")
    return api, admin


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda route: route.name)
def test_json_nested_too_deep_is_400_on_every_route(roomy: tuple[Api, dict[str, Any]], route: Route) -> None:
    api, admin = roomy
    key = None if route.public else admin["apiKey"]
    before = business_items()
    for body in (_nested(1000), _nested(MAX_JSON_DEPTH + 1), '{"a": ' * 40 + "1" + "}" * 40):
        reply = api.call(route.method, _path(route), key=key, body=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (route.name, reply.body)
        assert reply.error["code"] == "INVALID_REQUEST"
        assert reply.error["details"] == [{"field": "body", "issue": f"at most {MAX_JSON_DEPTH} levels"}]
    assert business_items() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda route: route.name)
def test_a_key_given_twice_in_one_object_is_400_on_every_route(roomy: tuple[Api, dict[str, Any]], route: Route) -> None:
    """`{"name": "A", "name": "B"}`: pydantic would read B, another parser (a proxy, a log reader) A."""
    api, admin = roomy
    key = None if route.public else admin["apiKey"]
    before = business_items()
    for body, twice in (('{"name": "A", "name": "B"}', "name"), ('{"a": [{"b": 1, "c": 2, "b": 3}]}', "b")):
        reply = api.call(route.method, _path(route), key=key, body=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (route.name, reply.body)
        assert reply.error["code"] == "INVALID_REQUEST"
        assert reply.error["details"] == [{"field": "body", "issue": f"key {twice} given twice in one object"}]
    assert business_items() == before


def test_the_same_key_in_two_objects_is_no_duplicate(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    body = {"name": "Twice", "customFields": {"name": "inner"}}
    assert api.post("/api/v1/contacts", key=admin["apiKey"], json=body).status == 201
    malformed = api.post("/api/v1/contacts", key=admin["apiKey"], body='{"name": "A", "name": ')
    assert malformed.status == 400 and malformed.error["details"] == [{"field": "body", "issue": "malformed JSON"}]


def test_nesting_up_to_the_limit_reaches_the_model(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    deep_but_allowed = {"name": "x", "customFields": {"a": _nested(MAX_JSON_DEPTH)}}  # a string: not nesting
    assert api.post("/api/v1/contacts", key=admin["apiKey"], json=deep_but_allowed).status == 201
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=_nested(MAX_JSON_DEPTH))
    assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR"


def test_brackets_inside_strings_do_not_count(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    tricky = '{"name": "[[[[\\"' + "[" * 100 + '"}'
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body=tricky)
    assert reply.status == 201, reply.body
    assert reply.data["name"].startswith('[[[["[')


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_unknown_query_parameter_is_422_listing_the_accepted(roomy: tuple[Api, dict[str, Any]], route: Route) -> None:
    api, admin = roomy
    key = None if route.public else admin["apiKey"]
    before = business_items()
    reply = api.call(
        route.method, _path(route), key=key, params={"tags": "x"}, json={} if route in BODY_ROUTES else None
    )
    assert reply.status == 422, (route.name, reply.body)
    assert reply.error["code"] == "VALIDATION_ERROR"
    [detail] = reply.error["details"]
    assert detail["field"] == "tags"
    assert detail["issue"].startswith("unknown query parameter")
    hint = re.search(r"did you mean (\w+)\?", detail["issue"])  # `tag` where the route takes it
    meant = f" (did you mean {hint[1]}?)" if hint else ""
    assert reply.error["message"] == f"Unknown query parameter: tags{meant}"
    assert business_items() == before


def test_the_accepted_parameters_are_listed(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"tags": "lead", "limt": "5"})
    assert reply.status == 422
    assert [detail["field"] for detail in reply.error["details"]] == ["limt", "tags"]
    assert reply.error["message"] == "Unknown query parameter: limt (did you mean limit?), tags (did you mean tag?)"
    issue = reply.error["details"][0]["issue"]
    for accepted in ("cursor", "limit", "sort", "tag", "tagsAll", "search", "updatedSince", "ownerId"):
        assert accepted in issue
    assert issue.startswith("unknown query parameter; did you mean limit? accepted: ")
    owner = api.get("/api/v1/deals", key=admin["apiKey"], params={"owner_id": "usr_1"}).error["details"][0]["issue"]
    assert owner.startswith("unknown query parameter; did you mean ownerId? accepted: ")
    taking_none = api.get("/api/v1/contacts/con_unknown", key=admin["apiKey"], params={"x": "1"})
    assert taking_none.error["details"] == [{"field": "x", "issue": "unknown query parameter; this route takes none"}]


def test_a_parameter_sent_on_the_wrong_side_is_named_as_the_other_sides(roomy: tuple[Api, dict[str, Any]]) -> None:
    """A merge's `dryRun` is a query parameter and its `mergeWithId` a body field; a lead migration's
    `dryRun` a body field: each sent on the other side hears where it goes."""
    api, admin = roomy
    key = admin["apiKey"]
    contact = api.create_contact(key, name="Wrong Side")
    merge = f"/api/v1/contacts/{contact['id']}/merge"
    in_body = api.post(merge, key=key, json={"mergeWithId": contact["id"], "dryRun": True})
    assert in_body.status == 422 and in_body.error["details"] == [
        {"field": "dryRun", "issue": "unknown field; dryRun is a query parameter of this route (?dryRun=...)"}
    ]
    body_issue = "unknown query parameter; it is a field of this route's JSON body"
    in_query = api.post(merge, key=key, params={"mergeWithId": "con_x"}, json={})
    assert in_query.error["details"] == [{"field": "mergeWithId", "issue": body_issue}]
    assert in_query.error["message"] == "Unknown query parameter: mergeWithId"
    migration = api.post("/api/v1/admin/migration/leads/import", key=key, params={"dryRun": "true"}, json={})
    assert migration.status == 422 and migration.error["details"] == [{"field": "dryRun", "issue": body_issue}]


_CONTACTS, _EVENTS, _AUDIT, _WEBHOOKS = (
    "/api/v1/contacts",
    "/api/v1/events",
    "/api/v1/admin/audit-log",
    "/api/v1/webhooks",
)
_TWENTY_ONE_TAGS = ",".join(f"t{number}" for number in range(21))


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (_CONTACTS, {"sort": "email"}, "sort"),
        (_CONTACTS, {"sort": "-nope"}, "sort"),
        (_CONTACTS, {"limit": "0"}, "limit"),
        (_CONTACTS, {"limit": "201"}, "limit"),
        (_CONTACTS, {"limit": "lots"}, "limit"),
        (_CONTACTS, {"createdAfter": "yesterday"}, "createdAfter"),
        (_CONTACTS, {"updatedSince": "2025-13-45"}, "updatedSince"),
        (_CONTACTS, {"search": "a"}, "search"),
        (_CONTACTS, {"search": "ab", "sort": "lastName"}, "sort"),
        (_CONTACTS, {"tag": ""}, "tag"),  # not a list of everyone
        (_CONTACTS, {"tag": " , "}, "tag"),
        (_CONTACTS, {"tagsAll": ""}, "tagsAll"),
        (_CONTACTS, {"tag": _TWENTY_ONE_TAGS}, "tag"),  # a segment's limit too
        (_CONTACTS, {"tagsAll": "lead," + "x" * 51}, "tagsAll"),  # longer than any tag name
        (_EVENTS, {"type": "contact.nope"}, "type"),  # not an empty list: what a webhook refuses too
        (_EVENTS, {"type": "nope.*"}, "type"),
        (_WEBHOOKS, {"event": "contact.nope"}, "event"),
        (_AUDIT, {"action": ""}, "action"),
        (_AUDIT, {"action": "contact deleted"}, "action"),
        (_AUDIT, {"entityId": ""}, "entityId"),
        (_AUDIT, {"entityId": "not an id"}, "entityId"),
    ],
)
def test_every_bad_query_value_is_422_with_details(
    roomy: tuple[Api, dict[str, Any]], path: str, params: dict[str, str], field: str
) -> None:
    api, admin = roomy
    reply = api.get(path, key=admin["apiKey"], params=params)
    assert reply.status == 422, reply.body
    assert reply.error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in reply.error["details"]]


def test_a_bad_tag_filter_says_which_tag_and_why(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    reply = api.get(_CONTACTS, key=admin["apiKey"], params={"tag": "lead," + "x" * 51})
    assert reply.error["details"] == [{"field": "tag", "issue": "tag 2: String should have at most 50 characters"}]
    reply = api.get(_CONTACTS, key=admin["apiKey"], params={"tag": _TWENTY_ONE_TAGS})
    assert reply.error["details"] == [{"field": "tag", "issue": "at most 20 tags, not 21"}]


def test_a_limit_out_of_range_says_the_range(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    for limit, issue, bound in (("0", "min", "at least 1"), ("201", "max", "at most 200")):
        reply = api.get(_CONTACTS, key=admin["apiKey"], params={"limit": limit})
        assert reply.error["message"] == f"Validation failed: limit must be {bound}"
        assert reply.error["details"] == [{"field": "limit", "issue": issue}]


def test_a_snake_case_field_names_its_camel_case_name_and_nothing_is_written(
    roomy: tuple[Api, dict[str, Any]],
) -> None:
    """A client used to snake_case (the CRM seed's spelling) learns the API's name for the field; a
    declared entity's body is matched against its own fields too."""
    api, admin = roomy
    before = business_items()
    reply = api.post(_CONTACTS, json={"name": "Anna", "owner_id": admin["userId"]}, key=admin["apiKey"])
    assert reply.status == 422, reply.body
    assert reply.error["message"] == "Validation failed: owner_id: unknown field; did you mean ownerId?"
    reply = api.post("/api/v1/organizations", json={"name": "Acme", "visible_to": "everyone"}, key=admin["apiKey"])
    assert reply.error["details"] == [{"field": "visible_to", "issue": "unknown field; did you mean visibleTo?"}]
    assert business_items() == before


def test_an_offsets_plus_read_as_a_space_is_named(roomy: tuple[Api, dict[str, Any]]) -> None:
    """`?createdAfter=2026-01-01T10:00:00+02:00` typed unencoded: the query string reads the + as a
    space, and the 422 says so instead of calling an ISO 8601 moment malformed."""
    api, admin = roomy
    for path, name in ((_CONTACTS, "createdAfter"), ("/api/v1/leads", "registeredSince")):
        reply = api.get(path, key=admin["apiKey"], params={name: "2026-01-01T10:00:00 02:00"})
        assert reply.status == 422, reply.body
        issue = "the offset's + arrived as a space, as in a query string: send it as %2B, or use Z"
        assert reply.error["details"] == [{"field": name, "issue": issue}]
        assert api.get(path, key=admin["apiKey"], params={name: "2026-01-01T10:00:00+02:00"}).status == 200  # %2B


def test_a_query_parameter_sent_twice_is_422(roomy: tuple[Api, dict[str, Any]]) -> None:
    """`?tag=vip&tag=lead` would have been read as `tag=lead` alone: another question than the one
    asked. Every parameter takes one value; a list is comma-separated."""
    api, admin = roomy
    reply = api.get(
        _CONTACTS, key=admin["apiKey"], params={"limit": ["1", "2"], "tag": ["vip", "lead"], "sort": "name"}
    )
    assert reply.status == 422 and reply.error["message"] == "Query parameter given more than once: limit, tag"
    issue = "given 2 times; send it once (a list is comma-separated, as in tag=vip,lead)"
    assert reply.error["details"] == [{"field": "limit", "issue": issue}, {"field": "tag", "issue": issue}]
    assert api.get(_CONTACTS, key=admin["apiKey"], params={"tag": "vip,lead", "limit": "2"}).status == 200


def test_a_tampered_cursor_stays_400(roomy: tuple[Api, dict[str, Any]]) -> None:
    api, admin = roomy
    reply = api.get("/api/v1/contacts", key=admin["apiKey"], params={"cursor": "not-a-cursor"})
    assert reply.status == 400 and reply.error["code"] == "INVALID_REQUEST"


def test_a_csv_sent_without_its_content_type_is_told_how_to_send_it(roomy: tuple[Api, dict[str, Any]]) -> None:
    """curl's --data-binary alone sends a form content type: the import's answer says what it needs."""
    api, admin = roomy
    before = business_items()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    reply = api.post("/api/v1/imports", key=admin["apiKey"], body="name,email\nAnna,anna@x.example\n", headers=form)
    assert reply.status == 400 and reply.error["code"] == "INVALID_REQUEST"
    assert reply.error["details"] == [
        {"field": "body", "issue": "malformed JSON; a CSV body needs Content-Type: text/csv"}
    ]
    reply = api.post("/api/v1/contacts", key=admin["apiKey"], body="name,email", headers=form)
    assert reply.status == 400 and reply.error["details"] == [{"field": "body", "issue": "malformed JSON"}]
    assert business_items() == before
