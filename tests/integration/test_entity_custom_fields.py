"""Custom fields on organizations, deals and products, as contacts have them (models/fields.py,
`CustomFields`): a flat map of strings, numbers, booleans and nulls, kept as sent, replaced whole by
a PATCH and cleared by null; a bad map is a 422 that writes nothing; another tenant never sees them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api, business_items

ENTITIES = ("organization", "deal", "product")
PLURAL = {"organization": "organizations", "deal": "deals", "product": "products"}
KEPT = {"tier": "gold", "seats": 12, "ratio": 0.25, "vip": True, "note": None, "since": "2019"}


@pytest.mark.parametrize("entity", ENTITIES)
def test_custom_fields_are_kept_replaced_and_cleared(
    api: Api, admin: dict[str, Any], other_admin: dict[str, Any], entity: str
) -> None:
    key = admin["apiKey"]
    record = make(api, key, entity, customFields=KEPT)
    assert record["customFields"] == KEPT
    path = f"/api/v1/{PLURAL[entity]}/{record['id']}"
    assert api.get(path, key=key).data["customFields"] == KEPT
    listed = {shown["id"]: shown for shown in api.get(f"/api/v1/{PLURAL[entity]}", key=key).data}
    assert listed[record["id"]]["customFields"] == KEPT
    replaced = api.patch(path, key=key, json={"customFields": {"tier": "silver"}})
    assert replaced.status == 200 and replaced.data["customFields"] == {"tier": "silver"}, replaced.body
    cleared = api.patch(path, key=key, json={"customFields": None})
    assert cleared.status == 200 and cleared.data["customFields"] == {}
    assert make(api, key, entity)["customFields"] == {}, "none sent: an empty map"
    assert api.get(path, key=other_admin["apiKey"]).status == 404


@pytest.mark.parametrize("entity", ENTITIES)
@pytest.mark.parametrize(
    ("fields", "issue"),
    [
        ({"nested": {"a": 1}}, "nested: must be a string, number, boolean or null"),
        ({"1st": "x"}, "key '1st': a letter, then letters, digits or _ (at most 64)"),
        ({"long": "x" * 1001}, "long: at most 1000 characters"),
        ({f"f{n}": n for n in range(51)}, "at most 50 fields"),
        ([1, 2], "must be an object"),
    ],
)
def test_a_bad_map_is_422_and_writes_nothing(
    api: Api, admin: dict[str, Any], entity: str, fields: Any, issue: str
) -> None:
    key = admin["apiKey"]
    record = make(api, key, entity)
    before = business_items()
    path = f"/api/v1/{PLURAL[entity]}/{record['id']}"
    for reply in (
        api.patch(path, key=key, json={"customFields": fields}),
        api.post(f"/api/v1/{PLURAL[entity]}", key=key, json={"name": "Bad", "title": "Bad", "customFields": fields}),
    ):
        assert reply.status == 422, reply.body
        assert {"field": "customFields", "issue": issue} in reply.error["details"], reply.body
    assert business_items() == before


@pytest.mark.parametrize("entity", ["contact", *ENTITIES])
def test_lists_filter_on_custom_fields(api: Api, admin: dict[str, Any], entity: str) -> None:
    """`customFields=tier:gold,vip:true`: every pair must hold; a number or boolean compares as such,
    `null` matches none, `\\,` is a comma in a value; filtered in the page, so paging goes on past
    records that do not match."""
    key = admin["apiKey"]
    at = "/api/v1/contacts" if entity == "contact" else f"/api/v1/{PLURAL[entity]}"
    held = [
        {"tier": "gold", "seats": 12, "vip": True},
        {"tier": "gold", "seats": 12.5, "vip": False},
        {"tier": "silver", "seats": 3, "city": "Berlin, Mitte"},
    ]
    if entity == "contact":
        made = [api.create_contact(key, name=f"Custom {n}", customFields=fields) for n, fields in enumerate(held)]
    else:
        made = [make(api, key, entity, customFields=fields) for fields in held]
    ids = [record["id"] for record in made]

    def listed(wanted: str) -> list[str]:
        found, cursor = [], None
        while True:
            params = {
                "customFields": wanted,
                "limit": 1,
                "ids": ",".join(ids),
                **({"cursor": cursor} if cursor else {}),
            }
            reply = api.get(at, key=key, params=params)
            assert reply.status == 200, reply.body
            found += [record["id"] for record in reply.data]
            cursor = reply.body["meta"]["pagination"]["nextCursor"]
            if not cursor:
                return found

    assert listed("tier:gold") == ids[:2]
    assert listed("tier:gold,vip:true") == ids[:1]
    assert listed("seats:12.5") == [ids[1]] and listed("seats:12") == [ids[0]] and listed("seats:12.0") == [ids[0]]
    assert listed("vip:null") == [ids[2]] and listed("tier:bronze") == []
    assert listed(r"city:Berlin\, Mitte,tier:silver") == [ids[2]] and listed("city:Berlin") == []  # an escaped comma
    everything = api.get(at, key=key, params={"customFields": "tier:silver"}).data
    assert ids[2] in [record["id"] for record in everything] and ids[0] not in [r["id"] for r in everything]
    for bad in ("tier", "1x:gold", ",".join(f"k{n}:v" for n in range(11))):
        reply = api.get(at, key=key, params={"customFields": bad})
        assert reply.status == 422 and reply.error["details"][0]["field"] == "customFields", (bad, reply.body)
