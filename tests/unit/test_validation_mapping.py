"""Pydantic errors become the platform's details: readable field paths and issues."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

import contact_platform.entities
import contact_platform.models
from contact_platform.entities.activities import DueTime
from contact_platform.entities.campaigns import Market
from contact_platform.entities.catalog import all_entities
from contact_platform.entities.products import ProductCode
from contact_platform.entities.shapes import shapes
from contact_platform.errors import Detail
from contact_platform.http.validation import details_of, from_pydantic, with_close_names
from contact_platform.models.api_keys import Scope
from contact_platform.models.campaigns import Code, DateKey
from contact_platform.models.contacts import ContactCreate
from contact_platform.models.events import EventType
from contact_platform.models.fields import AnyRecordId, ContactId, Currency, Day, ETag, IsoDate
from contact_platform.models.segments import SegmentCreate
from contact_platform.models.tags import Color
from contact_platform.models.webhooks import WebhookCreate


def test_field_paths_drop_the_source_and_index_lists() -> None:
    error = from_pydantic(
        [
            {"type": "value_error", "loc": ("body", "emails", 0), "msg": "Value error, not an email"},
            {"type": "extra_forbidden", "loc": ("body", "colour"), "msg": "Extra inputs are not permitted"},
            {"type": "missing", "loc": ("query", "query", "limit"), "msg": "Field required"},
        ]
    )
    assert error.status == 422 and error.code == "VALIDATION_ERROR"
    assert error.details == [
        Detail("emails[0]", "not an email"),
        Detail("colour", "unknown field"),
        Detail("limit", "required"),
    ]


def test_model_level_errors_name_their_field() -> None:
    error = from_pydantic([{"type": "name_missing", "loc": ("body",), "msg": "one of ...", "ctx": {"field": "name"}}])
    assert error.details == [Detail("name", "one of ...")]


def test_malformed_json_is_a_400() -> None:
    error = from_pydantic([{"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"}])
    assert (error.status, error.code) == (400, "INVALID_REQUEST")


def test_the_message_says_what_was_wrong_and_the_details_keep_the_codes() -> None:
    error = from_pydantic(
        [
            {"type": "less_than_equal", "loc": ("query", "limit"), "msg": "...", "ctx": {"le": 200}},
            {"type": "missing", "loc": ("body", "name"), "msg": "Field required"},
            {"type": "greater_than_equal", "loc": ("body", "value"), "msg": "...", "ctx": {"ge": 0}},
        ]
    )
    assert error.message == "Validation failed: limit must be at most 200; name is required; value must be at least 0"
    assert error.details == [Detail("limit", "max"), Detail("name", "required"), Detail("value", "min")]


def test_a_float_bound_reads_as_the_client_wrote_it() -> None:
    error = from_pydantic(
        [
            {"type": "greater_than_equal", "loc": ("body", "value"), "msg": "...", "ctx": {"ge": 0.0}},
            {"type": "less_than_equal", "loc": ("body", "price"), "msg": "...", "ctx": {"le": 1e15}},
            {"type": "less_than_equal", "loc": ("body", "discount"), "msg": "...", "ctx": {"le": 0.5}},
        ]
    )
    assert error.message == (
        "Validation failed: value must be at least 0; price must be at most 1000000000000000; "
        "discount must be at most 0.5"
    )


def test_the_message_names_the_first_three_problems_and_counts_the_rest() -> None:
    problems = [{"type": "extra_forbidden", "loc": ("body", f"f{n}"), "msg": "..."} for n in range(5)]
    error = from_pydantic(problems)
    assert error.message == ("Validation failed: f0: unknown field; f1: unknown field; f2: unknown field (and 2 more)")
    assert len(error.details) == 5


def _unknown_fields(model: Any, body: dict[str, Any]) -> list[Detail]:
    try:
        TypeAdapter(model).validate_python(body)
    except ValidationError as error:
        problems = with_close_names([dict(problem) for problem in error.errors()], model)
        return [detail for detail in details_of(problems) if detail.issue.startswith("unknown field")]
    raise AssertionError("the body was accepted")


def test_an_unknown_field_names_the_field_it_was_likely_meant_as() -> None:
    sent = {"name": "Anna", "owner_id": "usr_1", "email": "a@b.de", "colour": "red"}
    assert _unknown_fields(ContactCreate, sent) == [
        Detail("owner_id", "unknown field; did you mean ownerId?"),
        Detail("email", "unknown field; did you mean emails?"),
        Detail("colour", "unknown field"),  # nothing near it
    ]
    webhook = {"url": "https://example.com/hook", "events": ["contact.created"]}
    assert _unknown_fields(WebhookCreate, webhook) == [
        Detail("url", "unknown field; did you mean targetUrl?"),  # the one field that ends so
        Detail("events", "unknown field; did you mean event?"),
    ]


def test_a_nested_unknown_field_is_matched_against_its_own_model() -> None:
    """`filter.tags` in a segment: the filter's fields, not the segment's, are the candidates."""
    assert _unknown_fields(SegmentCreate, {"name": "VIP", "filter": {"tags": "vip"}}) == [
        Detail("filter.tags", "unknown field; did you mean tag?")
    ]
    assert _unknown_fields(SegmentCreate, {"name": "VIP", "filters": {"tag": "vip"}}) == [
        Detail("filters", "unknown field; did you mean filter?")
    ]


@pytest.mark.parametrize(
    ("annotation", "sent", "said"),
    [
        (ContactId, "acme", "not an ID of the form con_..."),
        (ContactId, 5, "not an ID of the form con_..."),
        (ETag, "version 2", 'not an ETag: send the one a read returned ("3" or W/"3"), or *'),
        (Currency, "eur", "not a currency code: 3 capital letters, as EUR"),
        (Color, "orange", "not a color: # and 6 hex digits, as #FF8800"),
        (DateKey, "2026-6-15", "not a day: YYYY-MM-DD, as 2026-06-15"),
        (Code, "-A1", "not a code: a letter or digit, then up to 63 letters, digits, _ or -"),
        (Scope, "contacts", "not a scope: resource:action, as contacts:read"),
        (DueTime, "24:00", "not a time of day: HH:MM, 00:00 to 23:59"),
        (Market, "DEU", "not a country code: two letters (ISO 3166-1 alpha-2), as DE"),
        (ProductCode, "-W1", "not a product code: a letter or digit, then up to 49 letters, digits, '.', '_' or '-'"),
        (EventType, "deal", "not an event type: <entity>.<action> (deal.won), <entity>.* or *"),
        (AnyRecordId, "con-1", "not a record ID: its prefix, _ and letters or digits, as con_hfh5BK0I"),
    ],
)
def test_a_value_of_the_wrong_form_is_refused_in_words_not_by_its_pattern(
    annotation: Any, sent: Any, said: str
) -> None:
    adapter = TypeAdapter(annotation)
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python(sent)
    assert [problem["msg"] for problem in refused.value.errors()] == [said]
    assert "pattern" in adapter.json_schema(), "the OpenAPI document still shows the pattern"


def _request_models() -> list[type[BaseModel]]:
    """Every model a request is read into (bodies and queries: those that refuse unknown fields),
    the entities' shapes included."""
    for package in (contact_platform.models, contact_platform.entities):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    for declared in all_entities():
        shapes(declared)
    found, waiting = [], [BaseModel]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            waiting.append(subclass)
            if subclass.__module__.startswith("contact_platform.") and subclass.model_config.get("extra") == "forbid":
                found.append(subclass)
    return found


def test_no_field_of_a_request_answers_with_its_regular_expression() -> None:
    """A value of the wrong form is refused in words (`Worded`), wherever a request may send it."""
    models = _request_models()
    assert len(models) > 50, [model.__name__ for model in models]
    raw = set()
    for model in models:
        for name, field in model.model_fields.items():
            for sent in (",;!", [",;!"]):
                try:
                    model.model_validate({field.alias or name: sent})
                except ValidationError as refused:
                    raw |= {
                        f"{model.__name__}.{name}"
                        for problem in refused.errors()
                        if problem["type"] == "string_pattern_mismatch" and "should match pattern" in problem["msg"]
                    }
    assert not raw, sorted(raw)


@pytest.mark.parametrize("annotation", [Day, IsoDate])
def test_a_day_of_the_right_form_must_also_be_on_the_calendar(annotation: Any) -> None:
    adapter = TypeAdapter(annotation)
    assert str(adapter.validate_python("2028-02-29")) == "2028-02-29"
    for sent in ("2027-02-29", "2026-04-31", "2026-13-01", "2026-00-10"):
        with pytest.raises(ValidationError) as refused:
            adapter.validate_python(sent)
        assert [detail.issue for detail in details_of(refused.value.errors())] == [f"no such day: {sent}"], sent
