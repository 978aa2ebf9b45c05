"""Leads: prospects a partner registered, protected for their owner (`ownerUserId`, the record's
owner: never shared with everyone) for 180 days from `registeredAt` while some activity counting as
progress happens at least every 60 days (docs/data-model.md, "Leads"). The server sets
`registeredAt` when a lead is created, `protectionUntil` and `progressDeadline` on every write, and
derives `protectionStatus` whenever a lead is read; `POST /leads/{leadId}/activities` adds an
activity (services/leads.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from contact_platform import clock, errors
from contact_platform.entities.entity import Entity, Fields
from contact_platform.errors import Detail
from contact_platform.models.fields import Amount, Moment, text
from contact_platform.models.leads import LeadActivity, LeadContact, LeadMigration, ProtectionStatus, Territory
from contact_platform.permissions import Role
from contact_platform.services.lead_matching import keys_of

PROTECTION = timedelta(days=180)  # from registeredAt
PROGRESS = timedelta(days=60)  # from the last activity counting as progress, or from registeredAt
MAX_ACTIVITIES = 100
MAX_ACTIVITY_BYTES = 100_000  # of UTF-8 JSON: a lead and its audit entry (old and new activities) stay below 400 KB
LeadNotes = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class LeadFields(Fields):
    stage: Annotated[int, Field(ge=0, le=3, description="0 (a new lead, the default) to 3.")] = 0
    companyName: text(200, min_length=2)  # type: ignore[valid-type]
    city: text(100, min_length=2)  # type: ignore[valid-type]
    businessType: text(100) | None = None  # type: ignore[valid-type]
    territory: Territory
    contact: Annotated[LeadContact | None, Field(description="With an email or a phone, and consentGivenAt.")] = None
    consentGivenAt: Annotated[Moment | None, Field(description="Required with a contact; not in the future.")] = None
    source: text(100) | None = None  # type: ignore[valid-type]
    estimatedVolume: Annotated[Amount | None, Field(description="At least 0.")] = None
    notes: LeadNotes | None = None
    activities: Annotated[list[LeadActivity], Field(max_length=MAX_ACTIVITIES)] = []


def protection_status(protection_until: str, progress_deadline: str, now: str) -> str:
    """PROTECTED before `protectionUntil` unless the progress deadline has passed; EXPIRED otherwise."""
    moment = clock.parse_iso(now)
    if moment < clock.parse_iso(protection_until):
        return "EXPIRED" if clock.parse_iso(progress_deadline) < moment else "PROTECTED"
    return "EXPIRED"


def _after(moment: str, period: timedelta) -> str:
    return clock.iso(clock.parse_iso(moment) + period)


def _protection(before: dict[str, Any] | None, after: dict[str, Any], now: str) -> dict[str, Any]:
    """`registeredAt` once (the moment of creation unless given), and the dates it and the activities set."""
    registered = after.get("registeredAt") or now
    progress = [activity["activityDate"] for activity in after.get("activities", []) if activity["countsAsProgress"]]
    last = max(progress, key=clock.parse_iso, default=registered)
    return {
        "registeredAt": registered,
        "protectionUntil": _after(registered, PROTECTION),
        "progressDeadline": _after(last, PROGRESS),
    }


def _status(lead: dict[str, Any], now: str) -> dict[str, Any]:
    return {"protectionStatus": protection_status(lead["protectionUntil"], lead["progressDeadline"], now)}


def rules(lead: dict[str, Any], changed: set[str], *, unknown: frozenset[str] = frozenset()) -> list[Detail]:
    """The lead's rules across fields, on the lead as it would be stored (without `registeredAt`: one
    registered now). `unknown`: fields sent with values that did not validate (the migration checks the
    rest of such a lead too, services/lead_checks.py): the rules that read them are left out, and an
    activity that did not validate is None in `activities`."""
    now = clock.now()
    registered = clock.parse_iso(lead["registeredAt"]) if lead.get("registeredAt") else now
    problems = [Detail("registeredAt", f"Date in future: {registered.date()}")] if registered > now else []
    consent = lead.get("consentGivenAt")
    if consent and clock.parse_iso(consent) > now:
        problems.append(Detail("consentGivenAt", f"Date in future: {clock.parse_iso(consent).date()}"))
    contact = lead.get("contact")
    if contact is not None and not (contact.get("email") or contact.get("phone")):
        problems.append(Detail("contact", "Email or phone required when contact data present"))
    if (contact is not None or "contact" in unknown) and not consent and "consentGivenAt" not in unknown:
        problems.append(Detail("consentGivenAt", "Consent required when contact data present"))
    activities = lead.get("activities", [])
    for number, activity in enumerate(activities):
        moment = clock.parse_iso(activity["activityDate"]) if activity is not None else None
        if moment is None:
            continue
        if moment < registered and "registeredAt" not in unknown:
            problems.append(Detail(f"activities[{number}].activityDate", "Activity date before lead registration"))
        elif moment > now:
            problems.append(Detail(f"activities[{number}].activityDate", "Activity date in future"))
    if len(json.dumps(activities, ensure_ascii=False).encode()) > MAX_ACTIVITY_BYTES:
        problems.append(Detail("activities", f"at most {MAX_ACTIVITY_BYTES} bytes of JSON"))
    return problems


def _plain(activity: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in activity.items() if value is not None}


def _history_kept(caller: Any, lead: dict[str, Any] | None, sent: dict[str, Any]) -> None:
    """A lead's activities are its history, which its protection is reckoned from: a write keeps those
    the lead has, first, in their order and unchanged, and may only add after them (as
    `POST /leads/{leadId}/activities` does). Moving a past activity to today, or dropping one, would
    move `progressDeadline` (docs/data-model.md, "Leads")."""
    if lead is None or "activities" not in sent:
        return
    held = [_plain(activity) for activity in lead.get("activities", [])]
    if [_plain(activity) for activity in sent["activities"][: len(held)]] != held:
        raise errors.invalid(
            [
                Detail(
                    "activities",
                    f"the activities the lead has ({len(held)}) stay as they are, first and in their order; new ones "
                    f"go after them (or POST /api/v1/leads/{lead['id']}/activities)",
                )
            ]
        )


ENTITY = Entity(
    "lead",
    "lead",
    LeadFields,
    label="Lead",
    search=("companyName", "contact.firstName contact.lastName"),
    filters=("territory", "protectionStatus"),
    ranges={"registeredAt": ("registeredSince", None)},
    sort=("companyName",),
    owner="ownerUserId",
    shared=False,
    readers=(Role.MIGRATION_OFFICER,),
    checks=rules,
    guard=_history_kept,
    server_fields={
        "registeredAt": Moment,
        "protectionUntil": Moment,
        "progressDeadline": Moment,
        "protectionStatus": ProtectionStatus,  # when read: never stored
        "migration": LeadMigration,  # only on a migrated lead
    },
    on_write=_protection,
    on_read=_status,
    key_sets=lambda lead: keys_of(lead).sets(),
    summary="A prospect registered by a partner, protected for its owner while it makes progress.",
    example={
        "stage": 1,
        "companyName": "Restaurant Musterküche",
        "city": "Berlin",
        "businessType": "restaurant",
        "territory": "DE",
        "contact": {
            "firstName": "Max",
            "lastName": "Mustermann",
            "email": "max.mustermann@example.com",
            "phone": "+49 30 12345678",
            "role": "chef",
        },
        "consentGivenAt": "2024-06-15T10:00:00.000Z",
        "source": "trade_fair",
        "estimatedVolume": 5000,
        "notes": "Interessiert an Bio-Produkten",
    },
)
