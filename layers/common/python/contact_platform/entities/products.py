"""Products: the tenant's catalog (no owner: every user sells from it); code unique, searched by name
or code prefix."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contact_platform.entities.entity import Entity, Fields
from contact_platform.models.fields import Amount, Currency, CustomFields, Worded, text

ProductCode = Annotated[
    str,
    Worded(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$",
        "not a product code: a letter or digit, then up to 49 letters, digits, '.', '_' or '-'",
        strip=True,
    ),
]


class ProductFields(Fields):
    name: text(200)  # type: ignore[valid-type]
    code: ProductCode | None = None
    price: Annotated[Amount, Field(description="The unit price, at least 0.")]
    currency: Currency
    active: bool = True
    unit: text(20) | None = None  # type: ignore[valid-type]
    description: text(2000) | None = None  # type: ignore[valid-type]
    customFields: CustomFields = {}


ENTITY = Entity(
    "product",
    "prod",
    ProductFields,
    label="Product",
    unique=("code",),
    search=("name", "code"),
    filters=("active", "currency"),
    sort=("name",),
    owner=None,
    summary="Something the tenant sells, at a unit price.",
    example={"name": "CRM Lizenz", "code": "CRM-STD", "price": 49, "currency": "EUR", "unit": "seat"},
)
