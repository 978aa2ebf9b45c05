"""Duplicates of a migration's leads, among the tenant's leads and earlier in the same batch
(services/lead_matching.py says the rules): the key sets of the whole batch in BatchGetItems, then
the leads they name in BatchGetItems, so the requests grow with the batch, not with the tenant.

A company word shared by more than `COMMON_WORD` leads of a city finds no candidates (it tells
nothing about which company it is, and reading its leads would grow with the tenant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contact_platform.services.lead_checks import Incoming
from contact_platform.services.lead_matching import (
    COMPANY_THRESHOLD,
    EMAIL_SCORE,
    PHONE_SCORE,
    LeadKeys,
    Match,
    company_score,
    keys_of,
)
from contact_platform.store import key_sets, records

COMMON_WORD = 200
LEAD = "lead"


@dataclass(frozen=True)
class Found:
    """A lead's duplicate: an existing lead (`match.lead_id`) or one earlier in the batch (`external_id`)."""

    match: Match
    external_id: str | None = None

    def warning(self, external_id: str) -> dict[str, Any]:
        return {
            "externalId": external_id,
            "matchedLeadId": None if self.external_id else self.match.lead_id,
            "matchedExternalId": self.external_id,
            "matchScore": self.match.score,
            "matchReason": self.match.reason,
            "recommendation": self.match.recommendation,
        }


@dataclass
class _Batch:
    """The leads of the batch seen so far, by what finds them."""

    emails: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    words: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # `<city>#<word>` -> (external ID, core)

    def find(self, keys: LeadKeys) -> Found | None:
        if keys.email and keys.email in self.emails:
            return Found(Match("", EMAIL_SCORE, "email_exact_match"), self.emails[keys.email])
        if keys.phone and keys.phone in self.phones:
            return Found(Match("", PHONE_SCORE, "phone_normalized"), self.phones[keys.phone])
        scored = [
            (company_score(keys.core, core), external_id)
            for token in keys.tokens
            for external_id, core in self.words.get(f"{keys.city}#{token}", [])
        ]
        best = max(scored, default=None, key=lambda pair: pair[0])
        if best is not None and best[0] >= COMPANY_THRESHOLD:
            return Found(Match("", best[0], "company_fuzzy"), best[1])
        return None

    def add(self, external_id: str, keys: LeadKeys) -> None:
        if keys.email:
            self.emails.setdefault(keys.email, external_id)
        if keys.phone:
            self.phones.setdefault(keys.phone, external_id)
        for token in keys.tokens:
            self.words.setdefault(f"{keys.city}#{token}", []).append((external_id, keys.core))


def _existing(keys: LeadKeys, candidates: list[tuple[str, LeadKeys]]) -> Found | None:
    """The first rule an existing lead meets, in the rules' order (ties: the lowest ID)."""
    if keys.email:
        same = sorted(lead_id for lead_id, other in candidates if other.email == keys.email)
        if same:
            return Found(Match(same[0], EMAIL_SCORE, "email_exact_match"))
    if keys.phone:
        same = sorted(lead_id for lead_id, other in candidates if other.phone == keys.phone)
        if same:
            return Found(Match(same[0], PHONE_SCORE, "phone_normalized"))
    scored = sorted(
        ((-company_score(keys.core, other.core), lead_id) for lead_id, other in candidates if other.city == keys.city),
    )
    if scored and -scored[0][0] >= COMPANY_THRESHOLD:
        return Found(Match(scored[0][1], -scored[0][0], "company_fuzzy"))
    return None


def find(tenant_id: str, leads: list[Incoming], own_ids: dict[str, str]) -> tuple[dict[str, Found], set[str]]:
    """Each lead's duplicate, if any, by external ID, and the key sets that exist of those the leads
    are in. `own_ids`: the ID each lead gets (or has, when it was imported before): never its own
    duplicate."""
    lead_keys = {lead.external_id: keys_of(lead.data) for lead in leads}
    pks = {lead.external_id: key_sets.set_pks(tenant_id, LEAD, lead_keys[lead.external_id].sets()) for lead in leads}
    members = key_sets.read(pk for found in pks.values() for pk in found)
    named = {
        external_id: {
            lead_id
            for pk in found
            if len(members.get(pk, ())) <= COMMON_WORD
            for lead_id in members.get(pk, ())
            if lead_id != own_ids.get(external_id)
        }
        for external_id, found in pks.items()
    }
    existing = records.get_records(tenant_id, LEAD, {lead_id for ids in named.values() for lead_id in ids})
    found_by = {lead_id: keys_of(records.data_of(record)) for lead_id, record in existing.items() if record.is_active}
    batch, duplicates = _Batch(), {}
    for lead in leads:
        keys = lead_keys[lead.external_id]
        candidates = [(lead_id, found_by[lead_id]) for lead_id in named[lead.external_id] if lead_id in found_by]
        # The rules' order is their scores' (email 1.0, phone 0.9, company at most 0.85): the higher
        # of the two wins, an existing lead on a tie.
        found = [each for each in (_existing(keys, candidates), batch.find(keys)) if each is not None]
        if found:
            duplicates[lead.external_id] = max(found, key=lambda each: (each.match.score, each.external_id is None))
        batch.add(lead.external_id, keys)
    return duplicates, set(members)
