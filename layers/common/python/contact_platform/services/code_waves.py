"""Code waves (docs/architecture.md, "Campaigns"): `POST /campaigns/{campaignId}/code-waves` gives
codes to the campaign's `verified` entries that have none, highest score first (entries without a
score last; ties: the earliest entry first), the codes in the order sent.

Each code goes to its entry in one transaction: the entry's `code`, `codeAssignedAt` and `dateKey`
(its audit entry and `campaign_entry.updated` event) on the condition that the entry is still the
version read, and the code's assignment item (store/campaign_codes.py) on the condition that it
does not exist. So under concurrent waves an entry never gets two codes (the second write finds a
new version, reads the entry again and passes it by once it has a code) and a code never goes to
two entries (the second finds its assignment: reported in `takenCodes`). Codes assigned in the
campaign already, and codes sent twice, are refused before anything is written (422 naming each by
its position), so a retried wave assigns nothing twice; with `Idempotency-Key` the retry answers as
the first request did.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from contact_platform import clock, errors
from contact_platform.entities import reads, service
from contact_platform.entities.catalog import entity
from contact_platform.entities.visibility import require_seeing_all
from contact_platform.errors import Detail
from contact_platform.models.campaigns import CodeWave, CodeWaveResult
from contact_platform.permissions import Caller
from contact_platform.services.campaign_entries import entry_page
from contact_platform.store import campaign_codes, records
from contact_platform.store.campaign_codes import CodeAssignmentItem
from contact_platform.store.errors import ClaimTaken, StaleVersion
from contact_platform.store.paging import LastKey
from contact_platform.store.records import RecordFacts, RecordItem

ENTRY = "campaign_entry"
WORKERS = 16  # codes written at once (one transaction each)
CANDIDATE_PAGE = 1000  # entries a Query of the candidates reads
_ATTEMPTS = 3  # writes of one code to one entry that changed meanwhile
TAKEN, GONE = "taken", "gone"


def _waiting(data: dict[str, Any]) -> bool:
    """Whether an active entry with these fields gets a code: verified and holding none."""
    return data.get("status") == "verified" and not data.get("code")


def _eligible(record: RecordItem | None) -> bool:
    return record is not None and record.is_active and _waiting(records.data_of(record))


def _order(entry: RecordFacts) -> tuple[Any, ...]:
    score = entry.data.get("score")
    return (score is None, -float(score or 0), entry.created_at, entry.record_id)


def _candidates(tenant_id: str, campaign_id: str) -> list[str]:
    """The IDs of the campaign's verified entries without a code, in the order they get codes: read
    page by page (only their order is kept)."""
    found: list[tuple[tuple[Any, ...], str]] = []
    start: LastKey | None = None
    while True:
        page = entry_page(tenant_id, campaign_id, start, limit=CANDIDATE_PAGE)
        found += [(_order(entry), entry.record_id) for entry in page.items if _waiting(entry.data)]
        start = page.last_key
        if start is None:
            return [record_id for _, record_id in sorted(found)]


def _refused(tenant_id: str, campaign_id: str, codes: list[str]) -> None:
    """422 naming each code sent twice and each assigned in the campaign already."""
    first: dict[str, int] = {}
    problems: list[tuple[int, Detail]] = []
    for number, code in enumerate(codes):
        if code in first:
            problems.append((number, Detail(f"codes[{number}]", f"the same code as codes[{first[code]}]")))
        else:
            first[code] = number
    for code, assignment in campaign_codes.assigned(tenant_id, campaign_id, first).items():
        number = first[code]
        problems.append((number, Detail(f"codes[{number}]", f"already assigned to entry {assignment.entry_id}")))
    if problems:
        details = [detail for _, detail in sorted(problems, key=lambda pair: pair[0])]
        raise errors.validation_error("Validation failed: no code was assigned", details)


def _assign(caller: Caller, campaign_id: str, date_key: str, code: str, record: RecordItem) -> CodeAssignmentItem | str:
    """Give one code to one entry: its assignment, TAKEN (the code went to another entry meanwhile) or
    GONE (the entry got a code, changed status or was deleted meanwhile)."""
    declared = entity(ENTRY)
    for _ in range(_ATTEMPTS):
        at = clock.iso(clock.now())
        contact_id = str(records.data_of(record)["contactId"])
        claim = campaign_codes.new_assignment(
            caller.tenant_id,
            campaign_id,
            code,
            entry_id=record.record_id,
            contact_id=contact_id,
            date_key=date_key,
            at=at,
        )
        values = {"code": code, "codeAssignedAt": at, "dateKey": date_key}
        try:
            service.set_server_fields(declared, caller, record, values, [claim])
            return claim
        except ClaimTaken:
            return TAKEN
        except StaleVersion:
            fresh = records.get_record(caller.tenant_id, ENTRY, record.record_id)
            if fresh is None or not _eligible(fresh):
                return GONE
            record = fresh
    return GONE


def run_wave(caller: Caller, campaign_id: str, body: CodeWave) -> CodeWaveResult:
    """Admins and managers only (403): a wave gives codes to every contact's entries, and its answer
    names them, those of contacts a user may not see too."""
    require_seeing_all(caller, "run a code wave", "it gives codes to every contact's entries")
    if reads.referenced(caller, "campaign", campaign_id) is None:
        raise errors.not_found("Campaign")
    tenant = caller.tenant_id
    codes = list(body.codes)
    _refused(tenant, campaign_id, codes)
    position = {code: number for number, code in enumerate(codes)}
    waiting = _candidates(tenant, campaign_id)  # entry IDs, best first
    assignments: list[CodeAssignmentItem] = []
    taken: list[str] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        while codes and waiting:
            wanted, waiting = waiting[: len(codes)], waiting[len(codes) :]
            current = records.get_records(tenant, ENTRY, wanted)  # as they are now (BatchGetItem)
            ready = [current[entry_id] for entry_id in wanted if _eligible(current.get(entry_id))]
            pairs = list(zip(codes, ready, strict=False))
            codes = codes[len(pairs) :]
            outcomes = list(pool.map(lambda pair: _assign(caller, campaign_id, body.dateKey, *pair), pairs))
            back_codes, back_entries = [], []
            for (code, record), outcome in zip(pairs, outcomes, strict=True):
                if isinstance(outcome, CodeAssignmentItem):
                    assignments.append(outcome)
                elif outcome == TAKEN:
                    taken.append(code)
                    back_entries.append(record.record_id)  # its turn comes again with the next code
                else:
                    back_codes.append(code)
            codes = sorted(back_codes, key=position.__getitem__) + codes
            waiting = back_entries + waiting
    assignments.sort(key=lambda item: position[item.code])
    return CodeWaveResult.model_validate(
        {
            "dateKey": body.dateKey,
            "assigned": len(assignments),
            "assignments": [campaign_codes.as_api(item) for item in assignments],
            "unassignedCodes": codes,
            "takenCodes": taken,
        }
    )
