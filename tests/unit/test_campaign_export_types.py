"""The table of campaign export types (campaign_export_types.py) against the export service's contract:
its fifteen types, their buckets and ACLs, what a CCPA erasure keeps, and what each keeps and writes
of a row."""

from __future__ import annotations

from typing import Any

import pytest

from contact_platform.campaign_export_types import EXPORT_TYPES, OWNER_CONTROL, PRIVATE

SEED_TYPES = (
    "entries",
    "codes",
    "scoring",
    "codeAssignments",
    "artistOptIn",
    "artistSmsOptIn",
    "livenationOptIn",
    "verifiedEntries",
    "codeWaves",
    "fanlist",
    "waitlist",
    "reminderEmail",
    "reminderEmailSample",
    "autoReminderEmail",
    "promoterEmailOptIn",
)


def test_the_fifteen_types_of_the_contract() -> None:
    assert sorted(EXPORT_TYPES) == sorted(SEED_TYPES)


@pytest.mark.parametrize(
    ("name", "destination", "acl"),
    [
        ("scoring", "scoring", OWNER_CONTROL),
        ("verifiedEntries", "vf_scoring", PRIVATE),
        ("codeWaves", "vf_scoring", PRIVATE),
        ("autoReminderEmail", "sfmc", PRIVATE),
        *[
            (name, "exports", PRIVATE)
            for name in SEED_TYPES
            if name not in ("scoring", "verifiedEntries", "codeWaves", "autoReminderEmail")
        ],
    ],
)
def test_bucket_and_acl_as_the_contract_lists_them(name: str, destination: str, acl: str) -> None:
    assert (EXPORT_TYPES[name].destination, EXPORT_TYPES[name].acl) == (destination, acl)


def test_only_the_contracts_three_types_survive_an_erasure_and_only_code_waves_need_a_day() -> None:
    assert {name for name, declared in EXPORT_TYPES.items() if declared.kept_on_erasure} == {
        "verifiedEntries",
        "scoring",
        "autoReminderEmail",
    }
    assert [name for name, declared in EXPORT_TYPES.items() if declared.needs_date_key] == ["codeWaves"]
    assert [name for name, declared in EXPORT_TYPES.items() if declared.per_market] == ["autoReminderEmail"]
    assert EXPORT_TYPES["reminderEmailSample"].limit == 100


def row(**entry: Any) -> dict[str, Any]:
    base = {"id": "cent_1", "contactId": "con_1", "market": "DE", "status": "entered", "score": None, "optIns": {}}
    contact = {"email": "ada@example.com", "phone": "+49 151 1", "firstName": "Ada", "lastName": "Lovelace"}
    return {"entry": {**base, **entry}, "contact": contact}


KEEPS = {
    "codes": (row(code="A1"), row()),
    "scoring": (row(score=0), row(score=None)),
    "artistOptIn": (row(optIns={"artistEmail": True}), row(optIns={"artistSms": True})),
    "artistSmsOptIn": (row(optIns={"artistSms": True}), row(optIns={"artistEmail": True})),
    "livenationOptIn": (row(optIns={"livenation": True}), row(optIns={"promoterEmail": True})),
    "promoterEmailOptIn": (row(optIns={"promoterEmail": True}), row(optIns={"livenation": True})),
    "verifiedEntries": (row(status="verified"), row(status="entered")),
    "waitlist": (row(status="waitlisted"), row(status="verified")),
    "fanlist": (row(status="entered"), row(status="rejected")),
    "reminderEmail": (row(code="A1"), row()),
    "autoReminderEmail": (row(code="A1"), row(code=None)),
}


@pytest.mark.parametrize("name", sorted(KEEPS))
def test_each_type_keeps_what_it_says(name: str) -> None:
    kept, left_out = KEEPS[name]
    keep = EXPORT_TYPES[name].keep
    assert keep is not None
    assert keep(kept) and not keep(left_out)


def test_a_fan_list_row_formats_the_name() -> None:
    declared = EXPORT_TYPES["fanlist"]
    values = {column.header: column.value(row(score=12.5)) for column in declared.columns}
    assert values == {"name": "Ada Lovelace", "email": "ada@example.com", "market": "DE", "score": 12.5}


def test_opt_in_lists_need_the_contact_value_they_send_to() -> None:
    assert EXPORT_TYPES["artistSmsOptIn"].requires == ("phone",)
    assert {EXPORT_TYPES[name].requires for name in ("artistOptIn", "livenationOptIn", "promoterEmailOptIn")} == {
        ("email",)
    }
    assert not EXPORT_TYPES["scoring"].reads_contacts
    assert EXPORT_TYPES["fanlist"].reads_contacts
