"""Duplicates of a migration's leads, among the tenant's leads and earlier in the same batch
(services/lead_matching.py says the rules): the key sets of the whole batch in BatchGetItems, then
the leads they name in BatchGetItems, so the requests grow with the batch, not with the tenant. Of
the leads a company word names, only those whose noted company core scores at the threshold or
above are read.

A company word shared by more than `key_sets.MOST_MEMBERS` (50) leads of a city finds no candidates
(it tells nothing about which company it is, and reading its leads would grow with the tenant): its
set is common."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from contact_platform.services.lead_checks import Incoming
from contact_platform.services.lead_matching import (
    COMPANY_THRESHOLD,
    EMAIL_SCORE,
    PHONE_SCORE,
    LeadKeys,
    Match,
    city_key,
    company_core,
    company_score,
    keys_of,
)
from contact_platform.store import key_sets, records

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


@dataclass(eq=False)  # hashed by identity: its cached methods key on it
class _Counted:
    """What the counted candidates are found by, worked out when a rule first asks (a phone number's
    parse costs more than all the rest)."""

    records: dict[str, dict[str, Any]]  # lead ID -> its fields

    @cache  # noqa: B019  (one instance per duplicate check)
    def keys(self, lead_id: str) -> LeadKeys:
        return keys_of(self.records[lead_id])

    @cache  # noqa: B019
    def company(self, lead_id: str) -> tuple[str, str]:
        data = self.records[lead_id]
        return city_key(str(data.get("city") or "")), company_core(str(data.get("companyName") or ""))


def _existing(keys: LeadKeys, named: dict[str, set[str]], counted: _Counted) -> Found | None:
    """The first rule an existing lead meets, in the rules' order (ties: the lowest ID). `named`: the
    counted leads of each kind of the lead's key sets; their own values decide (a member a dead run
    left behind may no longer have the set's value)."""
    if keys.email:
        same = sorted(lead_id for lead_id in named.get("email", ()) if counted.keys(lead_id).email == keys.email)
        if same:
            return Found(Match(same[0], EMAIL_SCORE, "email_exact_match"))
    if keys.phone:
        same = sorted(lead_id for lead_id in named.get("phone", ()) if counted.keys(lead_id).phone == keys.phone)
        if same:
            return Found(Match(same[0], PHONE_SCORE, "phone_normalized"))
    scored = sorted(
        (-company_score(keys.core, core), lead_id)
        for lead_id in named.get("company", ())
        for city, core in [counted.company(lead_id)]
        if city == keys.city
    )
    if scored and -scored[0][0] >= COMPANY_THRESHOLD:
        return Found(Match(scored[0][1], -scored[0][0], "company_fuzzy"))
    return None


@lru_cache(maxsize=1 << 16)  # pairs of cores a process keeps (a batch of 1,000 leads meets thousands)
def _below(core: str, other_core: str) -> bool:
    """Whether a lead whose company core is `other_core` (as its company-word set notes it, which
    its record holds) cannot be a company match of one with `core`: it is not read."""
    return company_score(core, other_core) < COMPANY_THRESHOLD


def find(
    tenant_id: str, leads: list[Incoming], own_ids: dict[str, str]
) -> tuple[dict[str, Found], dict[str, set[str] | None]]:
    """Each lead's duplicate, if any, by external ID, and what was read of the key sets the leads are
    in (`key_sets.read`: the members of each that exists, None for a common one). `own_ids`: the ID
    each lead gets (or has, when it was imported before): never its own duplicate."""
    lead_keys = {lead.external_id: keys_of(lead.data) for lead in leads}
    names = {external_id: keys.sets() for external_id, keys in lead_keys.items()}
    pks = (pk for sets in names.values() for pk in key_sets.set_pks(tenant_id, LEAD, sets))
    members = key_sets.read(pks)
    named: dict[str, dict[str, set[str]]] = {}
    for external_id, sets in names.items():
        by_kind: dict[str, set[str]] = {}
        named[external_id] = by_kind
        core = lead_keys[external_id].core
        for name, pk in zip(sets, key_sets.set_pks(tenant_id, LEAD, sets), strict=True):
            for member in members.get(pk) or ():
                lead_id, noted = key_sets.parsed(member)
                if lead_id != own_ids.get(external_id) and not (noted and _below(core, noted)):
                    by_kind.setdefault(name.kind, set()).add(lead_id)
    candidates = {lead_id for by_kind in named.values() for ids in by_kind.values() for lead_id in ids}
    counted = _Counted(records.record_data(tenant_id, LEAD, candidates))
    batch, duplicates = _Batch(), {}
    for lead in leads:
        keys = lead_keys[lead.external_id]
        existing = {kind: ids & counted.records.keys() for kind, ids in named[lead.external_id].items()}
        # The rules' order is their scores' (email 1.0, phone 0.9, company at most 0.85): the higher
        # of the two wins, an existing lead on a tie.
        found = [each for each in (_existing(keys, existing, counted), batch.find(keys)) if each is not None]
        if found:
            duplicates[lead.external_id] = max(found, key=lambda each: (each.match.score, each.external_id is None))
        batch.add(lead.external_id, keys)
    return duplicates, members
