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
