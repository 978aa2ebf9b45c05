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


@pytest.mark.parametrize("index_entries", [True, False])
def test_a_transaction_counts_exactly_the_items_a_contact_write_derives(index_entries: bool) -> None:
    """The import groups writes into transactions by counting derived items without building them
    (store/contacts._derived_count); a count below what is written would overfill a transaction."""
    from contact_platform.permissions import Caller
    from contact_platform.services.contacts import new_contact_write
    from contact_platform.store.contacts import _derived_count, derived_items

    caller = Caller("ten_rules", "usr_rules", "admin", frozenset({"contacts:write"}), "key_1", "req_1")
    body = ContactCreate.model_validate(
        {
            "name": "Anna Maria Schmidt",
            "emails": ["anna@example.com", "a.schmidt@example.org"],
            "phones": ["+49 170 1234567", "+41 44 668 18 00"],
            "tags": ["VIP", "Newsletter"],
        }
    )
    contact = new_contact_write(caller, body, "con_rules").new
    built = derived_items(contact, index_entries=index_entries)
    assert _derived_count(contact, index_entries) == len(built) == (13 if index_entries else 4)
    contact.is_active = False
    assert _derived_count(contact, index_entries) == len(derived_items(contact)) == 0
