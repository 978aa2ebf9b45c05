"""Deal products: a product on a deal, at a quantity, an item price in the deal's currency (the
product's price unless given; to be given when the product is priced in another currency) and a
discount; the server computes `total = quantity * itemPrice * (1 - discount)` and keeps
the deal's `value` at the sum of its products' totals in the same transaction (the rollup of
entities/service.py). Created and listed under the deal (`/deals/{dealId}/products`), seen and
changed by who sees and changes the deal."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields, Rollup
from contact_platform.models.fields import Amount, ProductId, Quantity, Ratio, text


class DealProductFields(Fields):
    dealId: str | None = None  # set from the path
    productId: ProductId
    quantity: Annotated[Quantity, Field(description="How many, more than 0.")]
    itemPrice: Annotated[
        Amount | None,
        Field(description="The price of one, in the deal's currency; default: the product's price if it is in it."),
    ] = None
    discount: Annotated[Ratio, Field(description="Share taken off, 0 to 1 (0.1: 10 %).")] = 0.0
    comments: text(500) | None = None  # type: ignore[valid-type]


def _total(before: dict[str, Any] | None, after: dict[str, Any], now: str) -> dict[str, Any]:
    quantity, price, discount = (float(after.get(name) or 0) for name in ("quantity", "itemPrice", "discount"))
    return {"total": round(quantity * price * (1 - discount), 6)}


ENTITY = Entity(
    "deal_product",
    "dprod",
    DealProductFields,
    label="Deal product",
    filters=("productId",),
    references={"dealId": "deal", "productId": "product"},
    parent="dealId",
    segment="products",
    owner=None,
    rollup=Rollup("total", into="value", count="productCount"),
    inherit={"itemPrice": ("productId", "price")},
    inherit_agreeing={"itemPrice": ("currency", "dealId")},  # a price in another currency is not the deal's
    server_fields={"total": float},
    on_write=_total,
    summary="A product on a deal: quantity, item price, discount and the total they make.",
    example={"productId": "prod_001", "quantity": 10, "itemPrice": 49, "discount": 0.1},
)
