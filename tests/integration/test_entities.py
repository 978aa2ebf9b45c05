"""The standard cases of every declared entity (contact_platform/entities/), parametrised over the
catalog: CRUD, validation, If-Match, uniqueness, paging, sorting, filters, search, owner visibility
and DynamoDB requests per call. An entity's own rules have tests of their own (test_entity_rules.py).
"""

from __future__ import annotations

import enum
import typing
from datetime import date
from typing import Any

import pytest

from contact_platform.entities.catalog import verbs
from contact_platform.entities.entity import Entity
from tests.support.entities import BY_NAME, DELETED, ENTITIES, body_for, collection, make
from tests.support.fixtures import Api, business_items
from tests.support.request_counter import dynamodb_requests

OWNED = [entity for entity in ENTITIES if entity.owned]
UNIQUE = [entity for entity in ENTITIES if entity.unique]
SEARCHED = [entity for entity in ENTITIES if entity.search]
by_name = {"ids": lambda entity: entity.name}


def _ids(reply: Any) -> list[str]:
    assert reply.status == 200, reply.body
    return [record["id"] for record in reply.data]


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_create_get_update_list_delete_restore(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    body = body_for(api, key, entity)
    created = api.post(at, key=key, json=body)
    assert created.status == 201, created.body
    record = created.data
    assert record["id"].startswith(f"{entity.prefix}_") and record["version"] == 1
    assert {name: record[name] for name in body} == body
    assert created.header("ETag") == '"1"'
    path = f"{entity.path}/{record['id']}"
    assert created.header("Location") == path
    assert api.get(path, key=key).data == record
    ((field, changed),) = _a_change(entity, record).items()
    updated = api.patch(path, key=key, json={field: changed})
    assert updated.status == 200, updated.body
    assert updated.data[field] == changed and updated.data["version"] == 2
    assert updated.data["updatedAt"] >= record["updatedAt"] and updated.data["createdAt"] == record["createdAt"]
    assert api.patch(path, key=key, json={field: changed}).data["version"] == 2, "no change, no new version"
    assert record["id"] in _ids(api.get(at, key=key))
    if entity.name not in DELETED:
        return
    deleted = api.delete(path, key=key)
    assert deleted.status == 200 and deleted.data == {
        "id": record["id"],
        "message": f"{entity.label} deleted successfully",
        "operationId": None,  # nothing referenced it, so nothing moves in a job
    }
    assert api.get(path, key=key).status == 404
    assert api.patch(path, key=key, json={field: changed}).status == 404
    assert api.delete(path, key=key).status == 404
    assert record["id"] not in _ids(api.get(at, key=key))
    restore = entity.item_path.replace("/api/v1/", "/api/v1/admin/").replace(f"{{{entity.id_param}}}", record["id"])
    restored = api.post(f"{restore}/restore", key=key)
    assert restored.status == 200 and restored.data["version"] == 4, restored.body
    assert api.post(f"{restore}/restore", key=key).status == 409, "not deleted"
    assert api.get(path, key=key).status == 200


RESTORED = [entity for entity in ENTITIES if "restore" in verbs(entity.name)]


@pytest.mark.parametrize("entity", RESTORED, **by_name)
def test_admins_list_what_is_deleted_oldest_deletion_first(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], entity: Entity
) -> None:
    """GET /api/v1/admin/<plural>/deleted: each soft-deleted record not yet purged, with who deleted
    it and when, paged, from a moment on (`deletedSince`); a restored one leaves it; admins only."""
    key = admin["apiKey"]
    deleted_list = entity.path.replace("/api/v1/", "/api/v1/admin/", 1) + "/deleted"
    at = collection(api, key, entity)
    records = [make(api, key, entity.name, at=at) for _ in range(3)]
    kept = make(api, key, entity.name, at=at)
    stamps = []
    for record in records:
        assert api.delete(f"{entity.path}/{record['id']}", key=key).status == 200
        stamps.append(api.get(deleted_list, key=key).data[-1]["deletedAt"])
    listed = api.get(deleted_list, key=key)
    assert listed.status == 200, listed.body
    ids = [record["id"] for record in records]
    assert [item["id"] for item in listed.data][-3:] == ids and kept["id"] not in _ids(listed)
    last = listed.data[-1]
    assert last["deletedBy"] == admin["userId"] and last["mergedInto"] is None and last["version"] == 2
    assert {name: last[name] for name in records[-1] if name not in ("version", "updatedAt")} == {
        name: value for name, value in records[-1].items() if name not in ("version", "updatedAt")
    }
    first = api.get(deleted_list, key=key, params={"limit": 1, "deletedSince": stamps[1]})
    assert _ids(first) == [ids[1]]
    rest = api.get(deleted_list, key=key, params={"limit": 1, "deletedSince": stamps[1], **_next(first)})
    assert _ids(rest) == [ids[2]]
    restore = f"{deleted_list.removesuffix('/deleted')}/{ids[0]}/restore"
    assert api.post(restore, key=key).status == 200
    assert ids[0] not in _ids(api.get(deleted_list, key=key))
    assert api.get(deleted_list, key=other_admin["apiKey"]).data == []
    for role in ("manager", "user"):
        reply = api.get(deleted_list, key=api.token(role, tenant_id=admin["tenantId"])["apiKey"])
        assert reply.status == 403, (role, reply.body)


def _next(page: Any) -> dict[str, str]:
    cursor = page.body["meta"]["pagination"]["nextCursor"]
    assert cursor
    return {"cursor": cursor}


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_bad_bodies_are_422_and_write_nothing(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    record = make(api, key, entity.name, at=at)
    path = f"{entity.path}/{record['id']}"
    required = [name for name, info in entity.fields.model_fields.items() if info.is_required()]
    good = body_for(api, key, entity)
    bodies = [
        {**good, "unknownField": 1},
        {name: value for name, value in good.items() if name != required[0]},
        {**good, required[0]: {"nested": ["wrong type"]}},
        *([{**good, "visibleTo": "team"}] if entity.owned else []),
    ]
    before = business_items()
    for bad in bodies:
        reply = api.post(at, key=key, json=bad)
        assert reply.status == 422 and reply.error["code"] == "VALIDATION_ERROR", (bad, reply.body)
    for bad_patch in ({"unknownField": 1}, {required[0]: None}, {required[0]: ["wrong type"]}):
        reply = api.patch(path, key=key, json=bad_patch)
        assert reply.status == 422, (bad_patch, reply.body)
        assert reply.error["details"][0]["field"] in (required[0], "unknownField"), reply.body
    assert api.get(at, key=key, params={"limit": 0}).status == 422
    assert api.get(at, key=key, params={"bogus": "x"}).status == 422
    assert business_items() == before


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_if_match_guards_against_lost_updates(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    record = make(api, key, entity.name, at=at)
    path = f"{entity.path}/{record['id']}"
    change = _a_change(entity, record)
    assert api.patch(path, key=key, json=change, headers={"If-Match": '"1"'}).status == 200
    stale = api.patch(path, key=key, json=_a_change(entity, change), headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["code"] == "PRECONDITION_FAILED"
    assert api.patch(path, key=key, json=_a_change(entity, change), headers={"If-Match": "banana"}).status == 422
    assert api.get(path, key=key).data["version"] == 2


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_conditional_get_and_delete(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """If-None-Match of the ETag a client holds: 304 without a body; If-Match on DELETE: 412 for a
    record changed since it was read, and the record stays."""
    key = admin["apiKey"]
    at = collection(api, key, entity)
    record = make(api, key, entity.name, at=at)
    path = f"{entity.path}/{record['id']}"
    held = api.get(path, key=key, headers={"If-None-Match": '"1"'})
    assert (held.status, held.text, held.header("ETag")) == (304, "", '"1"'), held.text
    assert api.get(path, key=key, headers={"If-None-Match": 'W/"1", "7"'}).status == 304
    assert api.patch(path, key=key, json=_a_change(entity, record)).status == 200
    changed = api.get(path, key=key, headers={"If-None-Match": '"1"'})
    assert changed.status == 200 and changed.data["version"] == 2 and changed.header("ETag") == '"2"'
    if entity.name not in DELETED:
        return
    stale = api.delete(path, key=key, headers={"If-Match": '"1"'})
    assert stale.status == 412 and stale.error["message"] == f"{entity.label} has changed: its version is 2"
    assert api.get(path, key=key).status == 200
    assert api.delete(path, key=key, headers={"If-Match": "banana"}).status == 422
    assert api.delete(path, key=key, headers={"If-Match": '"2"'}).status == 200


@pytest.mark.parametrize("entity", UNIQUE, **by_name)
def test_unique_values_are_409_case_and_accent_insensitive(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    field = entity.unique[0]
    holder = make(api, key, entity.name, at=at)
    held = holder[field]
    folds = isinstance(held, str) and field not in entity.references  # IDs are case-sensitive: as they are
    twin = {**body_for(api, key, entity), field: held.upper() if folds else held}
    taken = api.post(at, key=key, json=twin)
    assert taken.status == 409 and taken.error["message"] == f"{entity.label} already exists", taken.body
    assert taken.error["details"] == [
        {"field": field, "issue": f"already used by {entity.label.lower()} {holder['id']}"}
    ]
    other = make(api, key, entity.name, at=at)
    assert api.patch(f"{entity.path}/{other['id']}", key=key, json={field: holder[field]}).status == 409
    if entity.name not in DELETED:
        return
    assert api.delete(f"{entity.path}/{holder['id']}", key=key).status == 200
    assert api.post(at, key=key, json=twin).status == 201, "a deleted record releases its value"


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_pages_and_sorts(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    values = {field: _second_first_third(entity, field) for field in entity.sort}
    # The tenant's admin is a user before the test makes any: users are listed by the example's role.
    scope = {"role": entity.example["role"]} if entity.name == "user" else {}
    made = [make(api, key, entity.name, at=at, **{f: v[i] for f, v in values.items()}) for i in range(3)]
    # Records made in the same millisecond: by ID.
    newest_first = _ids(api.get(at, key=key, params={"sort": "-createdAt", **scope}))
    assert sorted(newest_first) == sorted(record["id"] for record in made)
    default = _ids(api.get(at, key=key, params=scope))
    assert default == _ids(api.get(at, key=key, params={"sort": entity.default_sort, **scope}))
    first = api.get(at, key=key, params={"limit": 2, **scope})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    second = api.get(at, key=key, params={"limit": 2, "cursor": cursor, **scope})
    assert _ids(first) + _ids(second) == default and second.body["meta"]["pagination"]["nextCursor"] is None
    assert _ids(api.get(at, key=key, params={"sort": "createdAt", **scope})) == newest_first[::-1]
    api.patch(f"{entity.path}/{made[0]['id']}", key=key, json=_a_change(entity, made[0]))
    assert _ids(api.get(at, key=key, params={"sort": "-updatedAt", **scope}))[0] == made[0]["id"]
    by_value = [made[1]["id"], made[0]["id"], made[2]["id"]]  # apple, Banana, Cherry: case-insensitive
    for field in entity.sort:
        assert _ids(api.get(at, key=key, params={"sort": field, **scope})) == by_value, field
        assert _ids(api.get(at, key=key, params={"sort": f"-{field}", **scope})) == by_value[::-1], field
    bad = api.get(at, key=key, params={"sort": "bogus"})
    assert bad.status == 422 and bad.error["details"] == [
        {"field": "sort", "issue": f"one of {', '.join(entity.sort_fields)}"}
    ]


def _second_first_third(entity: Entity, field: str) -> list[Any]:
    """Three values of the field, given in the order 2nd, 1st, 3rd of how they sort."""
    annotation = entity.fields.model_fields[field].annotation
    kinds = {
        typing.get_args(kind)[0] if typing.get_origin(kind) is typing.Annotated else kind
        for kind in (typing.get_args(annotation) or (annotation,))
    }
    if int in kinds or float in kinds:
        return [2, 1, 3]
    if date in kinds:
        return ["2026-01-02", "2026-01-01", "2026-01-03"]
    return ["Banana 0", "apple 1", "Cherry 2"]  # case-insensitive: apple, Banana, Cherry


def _a_change(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    """A valid change of the record: its first required free text field a little longer, else its
    first required number one more (a deal product's quantity), else another choice of its first
    field of a few choices (a campaign entry's status)."""
    fields = entity.fields.model_fields
    required = [(name, info.annotation) for name, info in fields.items() if info.is_required()]
    patterned = {name for name, info in fields.items() if any(getattr(m, "pattern", None) for m in info.metadata)}
    texts = [name for name, kind in required if kind is str and name not in {*entity.references, *patterned}]
    if texts:
        return {texts[0]: f"{record[texts[0]]} changed"}
    number = next((name for name, kind in required if kind is float), None)
    if number is not None:
        return {number: record[number] + 1}
    field = next(name for name, info in fields.items() if typing.get_origin(info.annotation) is typing.Literal)
    return {field: next(choice for choice in typing.get_args(fields[field].annotation) if choice != record[field])}


def _other_value(api: Api, key: str, entity: Entity, field: str, value: Any, record: dict[str, Any]) -> Any:
    choices = typing.get_args(entity.fields.model_fields[field].annotation)
    if typing.get_origin(entity.fields.model_fields[field].annotation) is typing.Literal:
        return next(choice for choice in choices if choice != value)
    kind = entity.fields.model_fields[field].annotation
    if isinstance(kind, type) and issubclass(kind, enum.Enum):  # a user's role
        return next(member.value for member in kind if member.value != value)
    if isinstance(value, bool) or (value is None and entity.fields.model_fields[field].annotation is bool):
        return not value
    if field in entity.references:
        target, shared = entity.references[field], entity.within.get(field)
        at = collection(api, key, BY_NAME[target], record[shared]) if shared else None  # a deal's stage
        return make(api, key, target, at=at)["id"]
    return {"EUR": "USD", "DE": "US"}.get(value, f"{value}x")  # a currency, a market: other codes


@pytest.mark.parametrize("entity", [e for e in ENTITIES if e.filters], **by_name)
def test_filters(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """Each filter on a field a body writes (those on what the server sets or derives are tested with
    their entity: a lead's `protectionStatus`, test_leads.py)."""
    key = admin["apiKey"]
    at = collection(api, key, entity)
    for field in (field for field in entity.filters if field in entity.fields.model_fields):
        one = make(api, key, entity.name, at=at)
        value = one.get(field)
        if value is None:  # a reference the example leaves out: give the first record one
            value = _other_value(api, key, entity, field, None, one)
            one = api.patch(f"{entity.path}/{one['id']}", key=key, json={field: value}).data
        other_value = {field: _other_value(api, key, entity, field, value, one)}
        if field in entity.within:  # a deal's other stage: in the same pipeline
            other_value[entity.within[field]] = one[entity.within[field]]
        other = make(api, key, entity.name, at=at, **other_value)
        query = {field: str(value).lower() if isinstance(value, bool) else value}
        found = _ids(api.get(at, key=key, params=query))
        assert one["id"] in found and other["id"] not in found, (field, query)


FILTERED = [entity for entity in ENTITIES if entity.filters or entity.owner or entity.ranges]


@pytest.mark.parametrize("entity", FILTERED, **by_name)
def test_a_filter_value_no_record_could_hold_is_422(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """Held to the field's own type and constraints (an ID's form, an enum, a currency code, an amount
    at least 0): a 422 naming the filter, never an empty list that reads as "no such records"."""
    key = admin["apiKey"]
    at = collection(api, key, entity)
    bounds = [parameter for low, high in entity.ranges.values() for parameter in (low, high) if parameter]
    for parameter in [*entity.filters, *([entity.owner] if entity.owner else []), *bounds]:
        for value in ("", "!"):
            reply = api.get(at, key=key, params={parameter: value})
            assert reply.status == 422, (parameter, value, reply.body)
            assert parameter in [detail["field"] for detail in reply.error["details"]], reply.body


def test_a_filter_value_is_normalized_as_its_field_is(api: Api, admin: dict[str, Any]) -> None:
    key = admin["apiKey"]
    campaign = make(api, key, "campaign")
    assert campaign["market"] == "DE"
    assert campaign["id"] in _ids(api.get("/api/v1/campaigns", key=key, params={"market": "de"}))
    reply = api.get("/api/v1/deals", key=key, params={"valueMin": "-1"})
    assert reply.status == 422 and reply.error["details"][0]["field"] == "valueMin"


@pytest.mark.parametrize("entity", SEARCHED, **by_name)
def test_prefix_search(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    key = admin["apiKey"]
    at = collection(api, key, entity)
    field = entity.search[0]
    hit = make(api, key, entity.name, at=at, **{field: "Zürich Süd Werke"})
    miss = make(api, key, entity.name, at=at, **{field: "Other Things"})
    for term in ("zur", "SUD", "zürich sü"):
        found = _ids(api.get(at, key=key, params={"search": term}))
        assert hit["id"] in found and miss["id"] not in found, term
    first = api.get(at, key=key, params={"search": "zur", "limit": 1})
    cursor = first.body["meta"]["pagination"]["nextCursor"]
    rest = _ids(api.get(at, key=key, params={"search": "zur", "limit": 1, "cursor": cursor})) if cursor else []
    assert _ids(first) + rest == [hit["id"]], "once across pages, though two of its tokens match"
    short = api.get(at, key=key, params={"search": " Z "})  # one character once folded
    assert (short.status, short.error["details"]) == (422, [{"field": "search", "issue": "at least 2 characters"}])
    sorted_search = api.get(at, key=key, params={"search": "zur", "sort": "createdAt"})
    assert sorted_search.status == 422
    assert sorted_search.error["details"] == [{"field": "sort", "issue": "not with search"}]
    if entity.name not in DELETED:
        return
    api.delete(f"{entity.path}/{hit['id']}", key=key)
    assert _ids(api.get(at, key=key, params={"search": "zur"})) == []


@pytest.mark.parametrize("entity", OWNED, **by_name)
def test_owner_visibility(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """A `user` sees its own records and those visible to everyone (of an entity that shares them),
    changes only its own; another user's private record is 404 to it, as another tenant's is; admins
    and managers see everything."""
    tenant, owner = admin["tenantId"], str(entity.owner)
    at = collection(api, admin["apiKey"], entity)
    alice, bob = api.token("user", tenant_id=tenant), api.token("user", tenant_id=tenant)
    manager = api.token("manager", tenant_id=tenant)
    private = make(api, alice["apiKey"], entity.name, at=at, **({"visibleTo": "owner"} if entity.shared else {}))
    assert private[owner] == alice["userId"] and ("visibleTo" in private) == entity.shared
    bob_key = bob["apiKey"]
    assert api.get(f"{entity.path}/{private['id']}", key=bob_key).status == 404
    assert api.patch(f"{entity.path}/{private['id']}", key=bob_key, json=_a_change(entity, private)).status == 404
    assert api.delete(f"{entity.path}/{private['id']}", key=bob_key).status == 404
    listed = _ids(api.get(at, key=bob_key))
    if entity.shared:
        # linked to nothing that only alice sees (her contacts: test_linked_records_are_seen_only_with_them)
        unlinked = {field: None for field in entity.seen_with if entity.references[field] == "contact"}
        shared = make(api, alice["apiKey"], entity.name, at=at, **unlinked)
        assert shared[owner] == alice["userId"] and shared["visibleTo"] == "everyone"
        assert api.get(f"{entity.path}/{shared['id']}", key=bob_key).status == 200
        assert api.patch(f"{entity.path}/{shared['id']}", key=bob_key, json=_a_change(entity, shared)).status == 403
        assert api.delete(f"{entity.path}/{shared['id']}", key=bob_key).status == 403
        listed = _ids(api.get(at, key=bob_key))
        assert shared["id"] in listed
    assert private["id"] not in listed
    assert private["id"] not in _ids(api.get(at, key=bob_key, params={owner: alice["userId"]}))
    for boss in (admin["apiKey"], manager["apiKey"]):
        assert private["id"] in _ids(api.get(at, key=boss))
        current = api.get(f"{entity.path}/{private['id']}", key=boss).data
        assert api.patch(f"{entity.path}/{private['id']}", key=boss, json=_a_change(entity, current)).status == 200
    given = api.post(at, key=bob_key, json=body_for(api, bob_key, entity, **{owner: alice["userId"]}))
    assert given.status == 403, "a user does not give records to someone else"
    if entity.unique:  # the holder of a taken value is named only to who may read it
        field = entity.unique[0]
        held = api.get(f"{entity.path}/{private['id']}", key=admin["apiKey"]).data[field]
        taken = api.post(at, key=bob_key, json=body_for(api, bob_key, entity, **{field: held}))
        assert taken.status == 409 and taken.error["details"] == [{"field": field, "issue": "already taken"}]


LINKED = [entity for entity in ENTITIES if entity.owned and entity.seen_with]


@pytest.mark.parametrize("entity", LINKED, **by_name)
def test_linked_records_are_seen_only_with_them(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """As in Pipedrive, a note or an activity is seen only by who can access every record it is linked
    to: to a `user`, one on a contact or a private deal it may not see is 404, even shared with
    everyone, also for a change (not 403: nothing hints that it exists), and in no list, filter or
    search; admins and managers see them all, and only the others' lists read the linked records."""
    key = admin["apiKey"]
    user = api.token("user", tenant_id=admin["tenantId"])["apiKey"]
    manager = api.token("manager", tenant_id=admin["tenantId"])["apiKey"]
    contact = api.create_contact(key, name="Board Member")["id"]  # a user sees only its own contacts
    deal = make(api, key, "deal", visibleTo="owner")["id"]
    organization = make(api, key, "organization")["id"]  # visible to everyone
    unset = dict.fromkeys(entity.seen_with)
    links = ({"contactId": contact}, {"dealId": deal}, {"organizationId": organization, "contactId": contact})
    hidden = [make(api, key, entity.name, **(unset | fields)) for fields in links]
    seen = make(api, key, entity.name, **(unset | {"organizationId": organization}))
    for record in hidden:
        path = f"{entity.path}/{record['id']}"
        assert api.get(path, key=user).status == 404, record
        before = business_items()
        assert api.patch(path, key=user, json=_a_change(entity, record)).status == 404
        assert api.delete(path, key=user).status == 404
        assert business_items() == before
    assert api.get(f"{entity.path}/{seen['id']}", key=user).status == 200
    with dynamodb_requests() as sent:
        assert _ids(api.get(entity.path, key=user)) == [seen["id"]]
    assert sent["Query"] == 1 and sent["BatchGetItem"] == 2, sent  # the contact, then the deal and organization
    assert _ids(api.get(entity.path, key=user, params={"contactId": contact})) == []
    assert _ids(api.get(entity.path, key=user, params={"organizationId": organization})) == [seen["id"]]
    if entity.search:
        term = str(entity.example[entity.search[0]])[:4]
        assert _ids(api.get(entity.path, key=user, params={"search": term})) == [seen["id"]]
    everything = sorted(record["id"] for record in [*hidden, seen])
    for boss in (key, manager):
        with dynamodb_requests() as sent:
            assert sorted(_ids(api.get(entity.path, key=boss))) == everything
        assert "BatchGetItem" not in sent, sent


def reads(count: int) -> dict[str, int]:
    return {"GetItem": count} if count else {}


def reference_reads(entity: Entity, fields: Any, parent: int = 0) -> dict[str, int]:
    """What a write reads of the records its reference `fields` name: one GetItem for one, else one
    BatchGetItem for the records and one for the contacts; plus a GetItem for a parent (`parent`)."""
    named = [entity.references[field] for field in fields if field in entity.references and field != entity.parent]
    if len(named) == 1:
        return reads(1 + parent)
    batches = int(any(target != "contact" for target in named)) + int("contact" in named)
    return {**reads(parent), **({"BatchGetItem": batches} if batches else {})}


@pytest.mark.parametrize("entity", ENTITIES, **by_name)
def test_requests_per_call(api: Api, admin: dict[str, Any], entity: Entity) -> None:
    """The authorizer's UpdateItem (key read, request counted) on every call, then: get is one
    GetItem, a list page one Query, a create one transaction (plus the reads of the references it
    names: one GetItem for one, else one BatchGetItem for all of them, one more for contacts), update
    and delete one GetItem and one transaction. A nested record reads its parent too
    (a deleted parent takes its records along; deal products are seen through their deal, whose new
    value is in the same transaction)."""
    key = admin["apiKey"]
    at = collection(api, key, entity)
    body = body_for(api, key, entity)
    # The key's first request starts its rate-limit window (one more UpdateItem): not counted below.
    assert api.get("/api/v1/users/me", key=key).status == 200
    with dynamodb_requests() as sent:
        record = api.post(at, key=key, json=body).data
    assert sent == {"UpdateItem": 1, "TransactWriteItems": 1, **reference_reads(entity, body, int(bool(entity.parent)))}
    path = f"{entity.path}/{record['id']}"
    governed = 1 if entity.parent else 0
    with dynamodb_requests() as sent:
        assert api.get(path, key=key).status == 200
    assert sent == {"UpdateItem": 1, "GetItem": 1 + governed}
    with dynamodb_requests() as sent:
        assert api.get(at, key=key, params={"limit": 5}).status == 200
    assert sent == {"UpdateItem": 1, "Query": 1, **reads(1 if entity.parent else 0)}, "(and the parent)"
    change = _a_change(entity, record)
    with dynamodb_requests() as sent:
        assert api.patch(path, key=key, json=change).status == 200
    expected = reference_reads(entity, change, 1 + governed)
    # A key set the record stays in with another note (a lead's company core, renamed keeping a
    # word): its old member is deleted after the transaction (store/key_sets.py), an UpdateItem each.
    noted = (
        [
            {(name.kind, name.value): name.note for name in entity.key_sets(fields)}
            for fields in (record, record | change)
        ]
        if entity.key_sets
        else [{}, {}]
    )
    moved = sum(1 for name in noted[0].keys() & noted[1].keys() if noted[0][name] != noted[1][name])
    assert sent == {"UpdateItem": 1 + moved, "TransactWriteItems": 1, **expected}
    if entity.name not in DELETED:
        return
    with dynamodb_requests() as sent:
        assert api.delete(path, key=key).status == 200
    # Pipelines, stages: their open deals' tally; organizations: the deals and contacts naming them;
    # campaigns: nothing (who deletes is all their hook asks).
    queries = {"organization": 2, "campaign": 0}.get(entity.name, 1) if entity.before_delete else 0
    held = {"Query": queries} if queries else {}
    assert sent == {"UpdateItem": 1, "GetItem": 1 + governed, "TransactWriteItems": 1, **held}
