"""Products on deals beyond the standard cases (test_entities.py): the total the server computes, the
item price taken from the product, the deal's value kept at the sum of its products in the same
transaction (and in the deal summary), and the deal's visibility governing its products."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.entities import make
from tests.support.fixtures import Api


@pytest.fixture
def deal(api: Api, admin: dict[str, Any]) -> dict[str, Any]:
    return make(api, admin["apiKey"], "deal", value=25000)


def _add(api: Api, key: str, deal_id: str, **fields: Any) -> Any:
    return api.post(f"/api/v1/deals/{deal_id}/products", key=key, json=fields)


def _deal(api: Api, key: str, deal_id: str) -> dict[str, Any]:
    reply = api.get(f"/api/v1/deals/{deal_id}", key=key)
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.data
    return data


def test_the_seeds_example_totals_441_and_becomes_the_deals_value(
    api: Api, admin: dict[str, Any], deal: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    product = make(api, key, "product", price=49)
    line = _add(api, key, deal["id"], productId=product["id"], quantity=10, discount=0.1)
    assert line.status == 201, line.body
    assert line.data["itemPrice"] == 49 and line.data["total"] == 441 and line.data["dealId"] == deal["id"]
    summed = _deal(api, key, deal["id"])
    assert summed["value"] == 441 and summed["productCount"] == 1, "the first product replaces the typed value"
    second = _add(api, key, deal["id"], productId=product["id"], quantity=2, itemPrice=100).data
    assert second["total"] == 200 and _deal(api, key, deal["id"])["value"] == 641
    changed = api.patch(f"/api/v1/deal-products/{second['id']}", key=key, json={"quantity": 3, "discount": 0.5})
    assert changed.status == 200 and changed.data["total"] == 150
    assert _deal(api, key, deal["id"])["value"] == 591
    assert api.delete(f"/api/v1/deal-products/{line.data['id']}", key=key).status == 200
    assert _deal(api, key, deal["id"])["value"] == 150
    listed = api.get(f"/api/v1/deals/{deal['id']}/products", key=key)
    assert [item["id"] for item in listed.data] == [second["id"]]
    summary = api.get("/api/v1/deals/summary", key=key).data
    assert summary["totals"][0]["value"] == 150, "the summary's tallies follow the value"


def test_the_value_of_a_deal_with_products_is_not_typed_in(
    api: Api, admin: dict[str, Any], deal: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    product = make(api, key, "product")
    line = _add(api, key, deal["id"], productId=product["id"], quantity=1).data
    refused = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"value": 1})
    assert refused.status == 422 and refused.error["details"][0]["field"] == "value"
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"title": "Renamed"}).status == 200
    api.delete(f"/api/v1/deal-products/{line['id']}", key=key)
    after = _deal(api, key, deal["id"])
    assert after["productCount"] == 0 and after["value"] == 0
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"value": 1}).status == 200


@pytest.mark.parametrize(
    ("field", "value"), [("quantity", 0), ("quantity", -1), ("discount", 1.5), ("itemPrice", -1), ("total", 5)]
)
def test_bad_lines_are_422_and_leave_the_deal_alone(
    api: Api, admin: dict[str, Any], deal: dict[str, Any], field: str, value: Any
) -> None:
    key = admin["apiKey"]
    product = make(api, key, "product")
    reply = _add(api, key, deal["id"], **{"productId": product["id"], "quantity": 1, field: value})
    assert reply.status == 422 and reply.error["details"][0]["field"] == field, reply.body
    assert _deal(api, key, deal["id"]) == deal


def test_unknown_products_and_deals(api: Api, admin: dict[str, Any], deal: dict[str, Any]) -> None:
    key = admin["apiKey"]
    missing = _add(api, key, deal["id"], productId="prod_missing", quantity=1)
    assert missing.status == 422 and missing.error["details"] == [
        {"field": "productId", "issue": "no product with this id"}
    ]
    product = make(api, key, "product")
    assert _add(api, key, "deal_missing", productId=product["id"], quantity=1).status == 404
    api.delete(f"/api/v1/deals/{deal['id']}", key=key)
    assert _add(api, key, deal["id"], productId=product["id"], quantity=1).status == 404


def test_a_deals_products_are_seen_and_changed_as_the_deal_is(api: Api, admin: dict[str, Any]) -> None:
    tenant = admin["tenantId"]
    alice, bob = api.token("user", tenant_id=tenant), api.token("user", tenant_id=tenant)
    product = make(api, admin["apiKey"], "product")
    private = make(api, alice["apiKey"], "deal", visibleTo="owner")
    shared = make(api, alice["apiKey"], "deal")
    hidden = _add(api, alice["apiKey"], private["id"], productId=product["id"], quantity=1).data
    seen = _add(api, alice["apiKey"], shared["id"], productId=product["id"], quantity=1).data
    bob_key = bob["apiKey"]
    assert api.get(f"/api/v1/deal-products/{hidden['id']}", key=bob_key).status == 404
    assert api.get(f"/api/v1/deals/{private['id']}/products", key=bob_key).status == 404
    assert api.patch(f"/api/v1/deal-products/{hidden['id']}", key=bob_key, json={"quantity": 2}).status == 404
    assert api.get(f"/api/v1/deal-products/{seen['id']}", key=bob_key).status == 200
    assert api.patch(f"/api/v1/deal-products/{seen['id']}", key=bob_key, json={"quantity": 2}).status == 403
    assert api.delete(f"/api/v1/deal-products/{seen['id']}", key=bob_key).status == 403
    assert _add(api, bob_key, shared["id"], productId=product["id"], quantity=1).status == 403
    assert _deal(api, alice["apiKey"], shared["id"])["productCount"] == 1


def test_a_restored_line_counts_again_but_not_on_a_deleted_deal(
    api: Api, admin: dict[str, Any], deal: dict[str, Any]
) -> None:
    key = admin["apiKey"]
    product = make(api, key, "product", price=10)
    line = _add(api, key, deal["id"], productId=product["id"], quantity=3).data
    api.delete(f"/api/v1/deal-products/{line['id']}", key=key)
    assert api.post(f"/api/v1/admin/deal-products/{line['id']}/restore", key=key).status == 200
    assert _deal(api, key, deal["id"])["value"] == 30
    api.delete(f"/api/v1/deal-products/{line['id']}", key=key)
    api.delete(f"/api/v1/deals/{deal['id']}", key=key)
    refused = api.post(f"/api/v1/admin/deal-products/{line['id']}/restore", key=key)
    assert refused.status == 409 and "restore that first" in refused.error["message"]


def test_a_product_priced_in_another_currency_needs_an_item_price_in_the_deals(
    api: Api, admin: dict[str, Any], deal: dict[str, Any]
) -> None:
    """The deal's value is in its currency: a product priced in another lends the line no price (422
    naming itemPrice, nothing written) unless the line gives one; a line moved to such a product
    likewise."""
    key = admin["apiKey"]
    assert deal["currency"] == "EUR"
    swiss = make(api, key, "product", price=49, currency="CHF")
    refused = _add(api, key, deal["id"], productId=swiss["id"], quantity=2)
    assert refused.status == 422, refused.body
    [detail] = refused.error["details"]
    assert detail["field"] == "itemPrice"
    assert "CHF" in detail["issue"] and "EUR" in detail["issue"], detail
    unchanged = _deal(api, key, deal["id"])
    assert unchanged["value"] == 25000 and unchanged["productCount"] == 0
    assert api.get(f"/api/v1/deals/{deal['id']}/products", key=key).data == []
    priced = _add(api, key, deal["id"], productId=swiss["id"], quantity=2, itemPrice=45)
    assert priced.status == 201 and priced.data["total"] == 90
    euro = make(api, key, "product", price=10)
    line = _add(api, key, deal["id"], productId=euro["id"], quantity=1).data
    moved = api.patch(f"/api/v1/deal-products/{line['id']}", key=key, json={"productId": swiss["id"]})
    assert moved.status == 422 and moved.error["details"][0]["field"] == "itemPrice", moved.body
    assert _deal(api, key, deal["id"])["value"] == 100


def test_the_currency_of_a_deal_with_products_stays(api: Api, admin: dict[str, Any], deal: dict[str, Any]) -> None:
    """Its products are priced in it: changing it is 422 while it has any, and allowed again without."""
    key = admin["apiKey"]
    line = _add(api, key, deal["id"], productId=make(api, key, "product")["id"], quantity=1).data
    refused = api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"currency": "CHF"})
    assert refused.status == 422 and refused.error["details"][0]["field"] == "currency", refused.body
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"currency": "EUR"}).status == 200, "unchanged"
    assert api.delete(f"/api/v1/deal-products/{line['id']}", key=key).status == 200
    assert api.patch(f"/api/v1/deals/{deal['id']}", key=key, json={"currency": "CHF"}).data["currency"] == "CHF"
