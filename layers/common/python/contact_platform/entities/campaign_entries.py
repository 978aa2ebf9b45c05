"""Campaign entries: a contact entering a campaign (entities/campaigns.py), created and listed under
it (`/campaigns/{campaignId}/entries`), one per contact and campaign (`contactId` unique within
`campaignId`: 409), the contact an active one of the tenant that the caller sees, which a caller
must also see to see, change or delete the entry (`seen_with`). Code waves alone set `code`,
`codeAssignedAt` and `dateKey` (services/code_waves.py); many entries are created at once, all or
none, by services/campaign_entries.py, which also reads them for the exports (docs/architecture.md,
"Campaigns")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from contact_platform.entities.campaigns import Market
from contact_platform.entities.entity import Entity, Fields
from contact_platform.models.base import Input
from contact_platform.models.fields import ContactId, Moment

EntryStatus = Literal["entered", "verified", "waitlisted", "rejected"]
OptInName = Literal["artistEmail", "artistSms", "livenation", "promoterEmail"]
OPT_INS: tuple[str, ...] = OptInName.__args__  # type: ignore[attr-defined]
Score = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False, description="At least 0; higher gets codes first.")]


class OptIns(Input):
    """What the contact agreed to be sent; a PATCH changes the opt-ins it names, the others stay."""

    artistEmail: bool = False
    artistSms: bool = False
    livenation: bool = False
    promoterEmail: bool = False


class CampaignEntryFields(Fields):
    campaignId: str | None = None  # set from the path
    contactId: Annotated[
        ContactId, Field(description="An active contact of the tenant that the caller sees, once per campaign.")
    ]
    market: Market
    status: EntryStatus = "entered"
    score: Score | None = None
    optIns: OptIns = OptIns()


def _opt_ins(before: dict[str, Any] | None, after: dict[str, Any], now: str) -> dict[str, Any]:
    """Every opt-in kept as a boolean: those a write names over those the entry had (false at first)."""
    had = (before or {}).get("optIns") or {}
    sent = after.get("optIns") or {}
    return {"optIns": {name: bool(sent.get(name, had.get(name, False))) for name in OPT_INS}}


def _opted_in(entry: dict[str, Any], name: Any) -> bool:
    return bool((entry.get("optIns") or {}).get(str(name)))


ENTITY = Entity(
    "campaign_entry",
    "cent",
    CampaignEntryFields,
    label="Campaign entry",
    plural="campaign_entries",
    unique=("contactId",),
    unique_within="campaignId",
    filters=("status", "market"),
    matches={"optIn": (OptInName, _opted_in)},
    sort=("score",),
    references={"campaignId": "campaign", "contactId": "contact"},
    parent="campaignId",
    purged_with_reference="contactId",
    segment="entries",
    id_name="entryId",
    owner=None,
    seen_with=("contactId",),
    server_fields={"code": str, "codeAssignedAt": Moment, "dateKey": str},
    on_write=_opt_ins,
    summary="A contact entering a campaign: its market, status, score and opt-ins, and the code a wave gave it.",
    example={
        "contactId": "con_001",
        "market": "DE",
        "status": "entered",
        "score": 87.5,
        "optIns": {"artistEmail": True, "artistSms": False, "livenation": True, "promoterEmail": False},
    },
)
