"""Field types shared by the request models: bounded strings, emails, phones, IDs, custom fields."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, EmailStr, Field, StringConstraints

DEFAULT_PHONE_REGION = "DE"


def _phone(value: str) -> str:
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


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_control_characters)]
PersonName = Annotated[Text, StringConstraints(max_length=100)]
FullName = Annotated[Text, StringConstraints(max_length=200)]
Email = Annotated[EmailStr, StringConstraints(max_length=254)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40), AfterValidator(_phone)]
TagName = Annotated[Text, StringConstraints(max_length=50)]
UserId = Annotated[str, StringConstraints(pattern=r"^usr_[A-Za-z0-9]{1,40}$")]
OrganizationId = Annotated[str, StringConstraints(pattern=r"^org_[A-Za-z0-9]{1,40}$")]
Timestamp = AwareDatetime

CustomFieldKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
CustomFieldValue = (
    Annotated[str, StringConstraints(max_length=1000)]
    | bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
CustomFields = Annotated[dict[CustomFieldKey, CustomFieldValue], Field(max_length=50)]

MAX_EMAILS = 5
MAX_PHONES = 5
MAX_TAGS = 20
