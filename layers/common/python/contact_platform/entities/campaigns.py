"""Campaigns: the tenant's campaigns (no owner: every key with the `campaigns:*` scopes sees them),
each in one main `market` and any number of further `markets`, running from `startsAt` to `endsAt`.
Contacts enter a campaign as its entries (entities/campaign_entries.py); what their exports read is
in services/campaign_entries.py (docs/architecture.md, "Campaigns")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from contact_platform import clock
from contact_platform.entities.entity import Entity, Fields
from contact_platform.entities.visibility import require_seeing_all
from contact_platform.errors import Detail
from contact_platform.models.fields import Moment, Worded, text

# A market: an ISO 3166-1 alpha-2 country code, kept in capitals (`de` is stored as `DE`).
Market = Annotated[
    str,
    Worded(r"^[A-Za-z]{2}$", "not a country code: two letters (ISO 3166-1 alpha-2), as DE", strip=True),
    AfterValidator(str.upper),
    Field(description="An ISO 3166-1 alpha-2 country code: `DE`, `US`.", examples=["DE"]),
]
MAX_MARKETS = 50


class CampaignFields(Fields):
    name: text(200)  # type: ignore[valid-type]
    market: Market
    markets: Annotated[
        list[Market], Field(max_length=MAX_MARKETS, description="Further markets of the campaign, each once.")
    ] = []
    startsAt: Moment | None = None
    endsAt: Annotated[Moment | None, Field(description="After startsAt.")] = None
    description: text(2000) | None = None  # type: ignore[valid-type]


def rules(campaign: dict[str, Any], changed: set[str], *, unknown: frozenset[str] = frozenset()) -> list[Detail]:
    """Both rules read only what they compare: a field that did not validate is absent (`Checks`)."""
    problems = []
    starts, ends = campaign.get("startsAt"), campaign.get("endsAt")
    if starts and ends and clock.parse_iso(ends) <= clock.parse_iso(starts):
        problems.append(Detail("endsAt", "must be after startsAt"))
    markets = campaign.get("markets") or []
    if len(set(markets)) != len(markets):
        problems.append(Detail("markets", "each market once"))
    return problems


def _code_assignments(tenant_id: str, campaign_id: str, start: Any) -> Any:
    """One page of the campaign's code assignments (store/campaign_codes.py), purged with it."""
    from contact_platform.store import campaign_codes

    return campaign_codes.assignment_page(tenant_id, campaign_id, None, limit=100, start=start)


def _by_who_sees_every_entry(caller: Any, campaign: dict[str, Any], query: Any) -> list[Any]:
    """A campaign's delete takes every entry out of sight with it, those of contacts a user may not
    see too: admins and managers only (403). Nothing references a campaign but its entries."""
    require_seeing_all(caller, "delete a campaign", "its entries are every contact's")
    return []


ENTITY = Entity(
    "campaign",
    "camp",
    CampaignFields,
    label="Campaign",
    search=("name",),
    filters=("market",),
    sort=("name",),
    owner=None,
    checks=rules,
    purged_with=_code_assignments,
    before_delete=_by_who_sees_every_entry,
    summary="A campaign contacts enter, in one or more markets.",
    example={
        "name": "Summer Tour 2026 Presale",
        "market": "DE",
        "markets": ["AT", "CH"],
        "startsAt": "2026-06-01T10:00:00.000Z",
        "endsAt": "2026-06-30T22:00:00.000Z",
    },
)
