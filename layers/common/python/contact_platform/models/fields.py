"""Field types shared by the request models: bounded strings, emails, phones, IDs, custom fields."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    EmailStr,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from contact_platform import clock

DEFAULT_PHONE_REGION = "DE"


def _phone(value: str) -> str:
    import phonenumbers  # on first use: its metadata costs a route that takes no phone 0.1 s to import

    if ";" in value:  # an exported CSV cell joins a contact's phones with it (files/csv_writing.list_cell)
        raise ValueError("must not contain ; (it separates phones in a CSV cell)")

    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError("not a phone number") from error
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return value


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


def text(max_length: int, min_length: int = 1, *more: Any) -> Any:
    """A trimmed, non-empty single-line string of `min_length` to `max_length` characters (and what
    `more` validators and fields ask of it)."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_control_characters),
        *more,
    ]


def not_null(*names: str, issue: str = "cannot be null") -> Any:
    """A patch's fields that may be left out but not sent as `null` (a field validator: its problem
    comes with those of the other fields, in one 422)."""

    def refuse(cls: type, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null_not_allowed", issue)
        return value

    return field_validator(*names)(refuse)


PersonName = text(100)
FullName = text(200)


def _one_tag(value: str) -> str:
    if "," in value or ";" in value:
        raise ValueError("must not contain , or ; (they separate tags in a list filter and in a CSV cell)")
    return value


# A tag's name: neither `,` (`?tag=a,b` is two tags) nor `;` (an exported CSV cell joins a contact's
# tags with it, files/csv_writing.list_cell), so that every tag can be named in both.
TagName = text(50, 1, AfterValidator(_one_tag), Field(json_schema_extra={"pattern": "^[^,;]*$"}))
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40), AfterValidator(_phone)]


@dataclass(frozen=True)
class Worded:
    """A string of `pattern` (kept in the OpenAPI document) whose refusal says `meaning` instead of
    the regular expression: `Annotated[str, Worded(...)]`; `strip`: surrounding whitespace removed first."""

    pattern: str
    meaning: str
    strip: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def worded(value: Any, inner: ValidatorFunctionWrapHandler) -> Any:
            try:
                return inner(value)
            except ValidationError:
                raise PydanticCustomError("string_pattern_mismatch", self.meaning) from None

        inner = core_schema.str_schema(pattern=self.pattern, strip_whitespace=self.strip or None)
        return core_schema.no_info_wrap_validator_function(worded, inner)


# Any record's ID, whatever its entity: a prefix of small letters, `_`, then letters and digits.
RECORD_ID_PATTERN = r"^[a-z]+_[A-Za-z0-9]{1,60}$"
AnyRecordId = Annotated[
    str, Worded(RECORD_ID_PATTERN, "not a record ID: its prefix, _ and letters or digits, as con_hfh5BK0I")
]


def record_id(prefix: str) -> Worded:
    """A record's ID: the prefix, `_` and 1 to 40 letters and digits (`con_hfh5BK0ImfcP7mqujsVC`)."""
    return Worded(rf"^{prefix}_[A-Za-z0-9]{{1,40}}$", f"not an ID of the form {prefix}_...")


UserId = Annotated[str, record_id("usr")]
OrganizationId = Annotated[str, record_id("org")]
DealId = Annotated[str, record_id("deal")]
PipelineId = Annotated[str, record_id("pipe")]
StageId = Annotated[str, record_id("stage")]
ProductId = Annotated[str, record_id("prod")]
# A record's version: its `ETag`, what `If-Match` names.
Version = Annotated[int, Field(description="Send it back in `If-Match` to update only this version.")]
# `If-Match` of an update: the `ETag` a read returned (`"3"`, weak `W/"3"`), or `*`.
ETag = Annotated[
    str,
    Worded(r'^(\*|(W/)?"[0-9]{1,12}"|[0-9]{1,12})$', 'not an ETag: send the one a read returned ("3" or W/"3"), or *'),
]
# Rounded to 6 decimal places, so DynamoDB, whose numbers end at 1e-130, stores every value given.
_SIX_PLACES = AfterValidator(lambda value: round(value, 6))
# A non-negative amount (price, deal value): finite, at most 1e15.
Amount = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False), _SIX_PLACES]
# A positive quantity (of a product on a deal), at most a billion.
Quantity = Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False), _SIX_PLACES]
# A share from 0 to 1 (a stage's probability, a discount).
Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), _SIX_PLACES]
# ISO 4217 alphabetic codes (three capitals); the list of codes in use is not checked.
Currency = Annotated[str, Worded(r"^[A-Z]{3}$", "not a currency code: 3 capital letters, as EUR")]
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$")
# `2026-01-01T10:00:00 02:00`: what a query string makes of an offset's unencoded `+`.
_PLUS_AS_SPACE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)? \d{2}:?\d{2}$")


def _iso_8601(value: Any) -> Any:
    """Only ISO 8601 text: pydantic alone would also read numbers as Unix timestamps."""
    if isinstance(value, str) and _PLUS_AS_SPACE.match(value):
        raise ValueError("the offset's + arrived as a space, as in a query string: send it as %2B, or use Z")
    if not isinstance(value, str) or not _ISO_8601.match(value):
        raise ValueError("must be an ISO 8601 date-time, for example 2025-08-12T08:41:45Z")
    return value


def _utc(value: datetime) -> datetime:
    """Naive means UTC; the moment must exist in UTC (not before year 1)."""
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError as error:
        raise ValueError("date-time out of range") from error


def _not_in_the_future(value: datetime) -> datetime:
    if value > datetime.now(UTC):
        raise ValueError("cannot lie in the future")
    return value


def _iso_date(value: Any) -> Any:
    """A calendar date as ISO 8601 (`2026-12-24`), not a number of seconds or days."""
    if not isinstance(value, str):
        return value  # a date already, or a type error for pydantic to report
    if not _ISO_DATE.match(value):
        raise ValueError("an ISO 8601 date (YYYY-MM-DD)")
    return _calendar_day(value)  # a date also for strict models


def _calendar_day(value: str) -> date:
    """`2026-02-30` has a day's shape but is none."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"no such day: {value}") from None


def _day_text(value: str) -> str:
    _calendar_day(value)
    return value


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
# A day kept as its text (`2026-06-15`): a code wave's and a campaign export's `dateKey`.
Day = Annotated[
    str,
    Worded(_ISO_DATE.pattern, "not a day: YYYY-MM-DD, as 2026-06-15"),
    AfterValidator(_day_text),
    Field(json_schema_extra={"format": "date"}),
]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_8601), AfterValidator(_utc)]
PastTimestamp = Annotated[Timestamp, AfterValidator(_not_in_the_future)]
"""A moment that has happened (a consent given, a registration): the future is a 422."""
DateTimeFilter = Annotated[datetime, BeforeValidator(_iso_8601), AfterValidator(_utc)]


def _moment(value: Any) -> str:
    text = _iso_8601(value)
    try:
        return clock.iso(_utc(datetime.fromisoformat(text.replace("Z", "+00:00"))))
    except ValueError as error:
        raise ValueError("must be an ISO 8601 date-time, for example 2025-08-12T08:41:45Z") from error


# A moment kept as the platform writes time (`clock.iso`: UTC, milliseconds, `Z`), so that stored
# moments compare and sort as text, and answers show them as every other timestamp.
Moment = Annotated[str, BeforeValidator(_moment), WithJsonSchema({"type": "string", "format": "date-time"})]

MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_VALUE_LENGTH = 1000
_CUSTOM_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def _storable_number(number: float) -> bool:
    """What DynamoDB can keep: magnitude 1e-130 to 1e125 (or 0), at most 38 significant digits."""
    if isinstance(number, float) and not math.isfinite(number):
        return False
    magnitude = abs(number)
    if isinstance(number, int):
        return magnitude < 10**38
    return magnitude == 0 or 1e-129 < magnitude < 1e125


def _custom_fields(value: Any) -> dict[str, Any]:
    """A flat map: keys like `leadSource`, values string (<= 1000), number, boolean or null."""
    if not isinstance(value, dict):
        raise ValueError("must be an object")
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} fields")
    for key, item in value.items():
        if not _CUSTOM_KEY.match(key):
            raise ValueError(f"key {key[:70]!r}: a letter, then letters, digits or _ (at most 64)")
        if isinstance(item, int | float) and not isinstance(item, bool) and not _storable_number(item):
            raise ValueError(f"{key}: numbers must be finite, at most 1e125 in size and 38 digits long")
        if isinstance(item, str) and len(item) > MAX_CUSTOM_VALUE_LENGTH:
            raise ValueError(f"{key}: at most {MAX_CUSTOM_VALUE_LENGTH} characters")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise ValueError(f"{key}: must be a string, number, boolean or null")
    return value


CustomFields = Annotated[
    dict[str, Any],
    PlainValidator(_custom_fields),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_CUSTOM_FIELDS,
            "propertyNames": {"pattern": _CUSTOM_KEY.pattern},
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "maxLength": MAX_CUSTOM_VALUE_LENGTH},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "null"},
                ]
            },
        }
    ),
]

MAX_CUSTOM_FILTERS = 10


def _escaped_split(text: str) -> list[str]:
    """`a\\,b,c` -> ["a,b", "c"]: the text split at each comma a backslash does not escape (a
    backslash escapes any character, itself too)."""
    parts, current, characters = [], [], iter(text)
    for character in characters:
        if character == "\\":
            current.append(next(characters, "\\"))
        elif character == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    return [*parts, "".join(current)]


def _custom_filter(value: Any) -> dict[str, str]:
    """`tier:gold,vip:true` -> {"tier": "gold", "vip": "true"}: the pairs a list's `customFields`
    filter asks for (services/listing.custom_fields_match); `\\,` is a comma within a value."""
    if not isinstance(value, str):
        raise ValueError("key:value pairs, comma-separated, as tier:gold,vip:true")
    pairs: dict[str, str] = {}
    for pair in (part.strip() for part in _escaped_split(value)):
        key, colon, text = pair.partition(":")
        if not colon or not _CUSTOM_KEY.match(key.strip()):
            raise ValueError(f"{pair[:70]!r}: key:value, the key a letter, then letters, digits or _")
        pairs[key.strip()] = text.strip()
    if len(pairs) > MAX_CUSTOM_FILTERS:
        raise ValueError(f"at most {MAX_CUSTOM_FILTERS} pairs")
    return pairs


# A list's filter on custom fields: `tier:gold,seats:12` (every pair must hold; `\,` a comma in a value).
CustomFieldsFilter = Annotated[
    dict[str, str],
    PlainValidator(_custom_filter),
    WithJsonSchema({"type": "string", "maxLength": 1100, "examples": ["tier:gold,vip:true"]}),
]
CUSTOM_FILTER_DESCRIPTION = (
    "Records whose custom fields hold each value: key:value pairs, comma-separated "
    "(tier:gold,seats:12,vip:true; null for none); a number or boolean compares as such; "
    "a comma within a value is written \\, (city:Berlin\\, Mitte)."
)

MAX_EMAILS = 5
MAX_PHONES = 5
MAX_TAGS = 20

ContactId = Annotated[str, record_id("con")]
ShortName = text(100)
Description = text(500)
FileName = text(200)
