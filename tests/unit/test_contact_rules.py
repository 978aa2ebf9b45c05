"""Rules of contacts that need no AWS: If-Match parsing, sorting, model bounds."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from contact_platform.errors import ApiError
from contact_platform.models.contacts import ContactCreate, ContactPatch
from contact_platform.models.fields import ETag
from contact_platform.services.sorting import parse_sort
from contact_platform.services.versions import parse_if_match


@pytest.mark.parametrize(("header", "version"), [('"3"', 3), ('W/"12"', 12), ("*", None), (None, None), ("7", 7)])
def test_if_match(header: str | None, version: int | None) -> None:
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ['"abc"', "abc", '"3', "W/3x", "", '"1234567890123"'])
def test_if_match_that_is_no_etag_fails_validation(header: str) -> None:
    """The endpoint validates If-Match as `ETag` (a 422 naming the header) before parsing it."""
    with pytest.raises(ValidationError):
        TypeAdapter(ETag).validate_python(header)


def test_sort_parsing() -> None:
    assert parse_sort(None, ("a", "b"), default="a") == ("a", True)
    assert parse_sort("-b", ("a", "b"), default="a") == ("b", False)
    with pytest.raises(ApiError) as raised:
        parse_sort("c", ("a", "b"), default="a")
    assert raised.value.status == 422 and "a, b" in raised.value.message


def test_create_trims_and_requires_a_name() -> None:
    assert ContactCreate.model_validate({"firstName": "  Jan  "}).firstName == "Jan"
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"firstName": "   "})
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"emails": ["a@b.de"]})


def test_custom_fields_reject_non_finite_numbers() -> None:
    with pytest.raises(ValidationError):
        ContactCreate.model_validate({"name": "x", "customFields": {"score": float("nan")}})


def test_patch_knows_what_was_sent() -> None:
    patch = ContactPatch.model_validate({"organizationId": None})
    assert patch.model_dump(exclude_unset=True) == {"organizationId": None}
