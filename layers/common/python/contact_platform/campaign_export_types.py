"""THE table of campaign export types: each of the export service's types declared once (what it
reads, which records it keeps, its columns, where its file goes and with which ACL, one file or one
per market). The campaign export job (jobs/campaign_exports.py) runs any of them; a new type is one
entry here (docs/architecture.md, "Campaign exports").

A row is a mapping of what the job read for one record: `entry` (the campaign entry as the API
returns it; for an assignment, the entry it went to), `assignment` (a code assignment record, for
the types that read assignments) and `contact` (the entry's contact: `email`, `phone`, `firstName`,
`lastName`; empty when the contact is no longer active).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal

Row = Mapping[str, Any]
Source = Literal["entries", "assignments"]
# Where a file goes: the bucket setting of config.Settings that names it.
Destination = Literal["exports", "scoring", "vf_scoring", "sfmc"]
PRIVATE, OWNER_CONTROL = "private", "bucket-owner-full-control"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], Any]
    of_contact: bool = False  # read from the entry's contact


def _at(part: str, name: str) -> Callable[[Row], Any]:
    return lambda row: (row.get(part) or {}).get(name)


def entry(name: str, header: str | None = None) -> Column:
    return Column(header or name, _at("entry", name))


def contact(name: str) -> Column:
    return Column(name, _at("contact", name), of_contact=True)


def assignment(name: str, header: str | None = None) -> Column:
    return Column(header or name, _at("assignment", name))


def _opt_in(name: str) -> Callable[[Row], bool]:
    return lambda row: bool((row["entry"].get("optIns") or {}).get(name))


def _full_name(row: Row) -> str:
    found = row.get("contact") or {}
    return " ".join(str(found[part]).strip() for part in ("firstName", "lastName") if found.get(part))


ENTRY_ID, CONTACT_ID, MARKET = entry("id", "entryId"), entry("contactId"), entry("market")
EMAIL, PHONE, FIRST_NAME, LAST_NAME = contact("email"), contact("phone"), contact("firstName"), contact("lastName")
OPT_IN_COLUMNS = tuple(
    Column(name, _opt_in(key))
    for name, key in (
        ("optInArtistEmail", "artistEmail"),
        ("optInArtistSms", "artistSms"),
        ("optInLivenation", "livenation"),
        ("optInPromoterEmail", "promoterEmail"),
    )
)
CODE_COLUMNS = (entry("code"), entry("dateKey"), entry("codeAssignedAt"))
ASSIGNMENT_COLUMNS = (
    assignment("id", "assignmentId"),
    assignment("code"),
    assignment("dateKey"),
    assignment("assignedAt"),
    ENTRY_ID,
    CONTACT_ID,
    MARKET,
    EMAIL,
)
REMINDER_COLUMNS = (CONTACT_ID, EMAIL, FIRST_NAME, LAST_NAME, MARKET, entry("code"), entry("dateKey"))


@dataclass(frozen=True)
class ExportType:
    name: str
    summary: str
    columns: tuple[Column, ...]
    _: KW_ONLY
    source: Source = "entries"
    # Which records of the source it keeps (all when None), judged on the entry (and assignment) alone.
    keep: Callable[[Row], bool] | None = None
    # Contact fields a row needs: a record whose contact lacks one is left out (an SMS list without
    # phone numbers is of no use).
    requires: tuple[str, ...] = ()
    limit: int | None = None  # at most this many rows: the first ones in the order the entries are read
    destination: Destination = "exports"
    acl: str = PRIVATE
    per_market: bool = False  # one file per market under one prefix (the `key`), instead of one file
    needs_date_key: bool = False  # the request names a `dateKey`; only records of that day
    kept_on_erasure: bool = False  # a CCPA erasure of its requester keeps it (docs/architecture.md)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    @property
    def reads_contacts(self) -> bool:
        return bool(self.requires) or any(column.of_contact for column in self.columns)


def _status(status: str) -> Callable[[Row], bool]:
    return lambda row: row["entry"].get("status") == status


def _has_code(row: Row) -> bool:
    return bool(row["entry"].get("code"))


def _scored(row: Row) -> bool:
    return row["entry"].get("score") is not None


ENTRY_COLUMNS = (
    ENTRY_ID,
    CONTACT_ID,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    MARKET,
    entry("status"),
    entry("score"),
    *OPT_IN_COLUMNS,
    *CODE_COLUMNS,
    entry("createdAt"),
)

EXPORT_TYPES: dict[str, ExportType] = {
    declared.name: declared
    for declared in (
        ExportType("entries", "Every entry of the campaign", ENTRY_COLUMNS),
        ExportType(
            "codes", "Entries holding a code", (ENTRY_ID, CONTACT_ID, EMAIL, MARKET, *CODE_COLUMNS), keep=_has_code
        ),
        ExportType(
            "scoring",
            "Entries with a score (to the scoring bucket, owned by its account)",
            (ENTRY_ID, CONTACT_ID, MARKET, entry("status"), entry("score")),
            keep=_scored,
            destination="scoring",
            acl=OWNER_CONTROL,
            kept_on_erasure=True,
        ),
        ExportType("codeAssignments", "Every code assignment", ASSIGNMENT_COLUMNS, source="assignments"),
        ExportType(
            "artistOptIn",
            "Entries opted in to the artist's emails, with the email",
            (CONTACT_ID, EMAIL, FIRST_NAME, LAST_NAME, MARKET),
            keep=_opt_in("artistEmail"),
            requires=("email",),
        ),
        ExportType(
            "artistSmsOptIn",
            "Entries opted in to the artist's text messages, with the phone number",
            (CONTACT_ID, PHONE, FIRST_NAME, LAST_NAME, MARKET),
            keep=_opt_in("artistSms"),
            requires=("phone",),
        ),
        ExportType(
            "livenationOptIn",
            "Entries opted in to Live Nation's emails, with the email",
            (CONTACT_ID, EMAIL, FIRST_NAME, LAST_NAME, MARKET),
            keep=_opt_in("livenation"),
            requires=("email",),
        ),
        ExportType(
            "verifiedEntries",
            "Verified entries (to the verified-scoring bucket)",
            (ENTRY_ID, CONTACT_ID, EMAIL, MARKET, entry("score"), entry("code")),
            keep=_status("verified"),
            destination="vf_scoring",
            kept_on_erasure=True,
        ),
        ExportType(
            "codeWaves",
            "The code assignments of one wave (`dateKey`, to the verified-scoring bucket)",
            ASSIGNMENT_COLUMNS,
            source="assignments",
            destination="vf_scoring",
            needs_date_key=True,
        ),
        ExportType(
            "fanlist",
            "Fans: formatted name, email, market and score of every entry not rejected",
            (Column("name", _full_name, of_contact=True), EMAIL, MARKET, entry("score")),
            keep=lambda row: row["entry"].get("status") != "rejected",
        ),
        ExportType(
            "waitlist",
            "Waitlisted entries",
            (ENTRY_ID, CONTACT_ID, EMAIL, FIRST_NAME, LAST_NAME, MARKET, entry("score")),
            keep=_status("waitlisted"),
        ),
        ExportType("reminderEmail", "Entries holding a code, for the reminder email", REMINDER_COLUMNS, keep=_has_code),
        ExportType(
            "reminderEmailSample",
            "The first 100 rows of reminderEmail, to preview it",
            REMINDER_COLUMNS,
            keep=_has_code,
            limit=100,
        ),
        ExportType(
            "autoReminderEmail",
            "Entries holding a code, one file per market (to the marketing-cloud bucket)",
            REMINDER_COLUMNS,
            keep=_has_code,
            destination="sfmc",
            per_market=True,
            kept_on_erasure=True,
        ),
        ExportType(
            "promoterEmailOptIn",
            "Entries opted in to the promoter's emails, with the email",
            (CONTACT_ID, EMAIL, FIRST_NAME, LAST_NAME, MARKET),
            keep=_opt_in("promoterEmail"),
            requires=("email",),
        ),
    )
}
EXPORT_TYPE_NAMES = tuple(EXPORT_TYPES)
