"""The lead migration part of `make bench` (benchmarks/README.md, "Lead migration").

For each number of existing leads E (`--lead-existing`, default 1,000): the tenant gets leads until
it holds E (production runs of 1,000 through the API, their own source each), then a batch of 1,000
new leads (one in ten with the email of an existing lead, one in ten with a company of the same
name in the same city) is sent as a dry run and then imported: wall time of each request and the
DynamoDB requests per lead, which must not grow with E.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.api import ApiClient
    from benchmarks.counting import RequestCounter

BATCH = 1000
DEFAULT_EXISTING = (1000,)
CITIES = ("Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Leipzig", "Dresden", "Zürich", "Basel")
WORDS = ("Sonnen", "Berg", "Linden", "Hof", "Mühlen", "Garten", "Stern", "Brunnen", "Eichen", "Rosen", "Adler")


@dataclass(frozen=True)
class Run:
    seconds: float
    requests_per_lead: float  # DynamoDB requests
    summary: dict[str, int]


@dataclass(frozen=True)
class LeadFigures:
    existing: int
    seeding_seconds: float
    dry_run: Run
    production: Run


@dataclass
class LeadPart:
    sizes: list[LeadFigures] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _name(number: int) -> str:
    """A word of its own for each number (`Bacdef`), as company names differ from their first letters."""
    letters = []
    for _ in range(6):
        number, letter = divmod(number, 26)
        letters.append(chr(ord("a") + letter))
    return "".join(letters).capitalize()


def lead(owner: str, number: int, *, email_of: int | None = None, company_of: int | None = None) -> dict[str, Any]:
    """The `number`th lead of the bench: its own email, phone and company (or another lead's)."""
    company = company_of if company_of is not None else number
    return {
        "externalId": f"BENCH-{number}",
        "companyName": f"{_name(company)} {WORDS[company % len(WORDS)]} Feinkost GmbH",
        "city": CITIES[company % len(CITIES)],
        "territory": "CH" if CITIES[company % len(CITIES)] in ("Zürich", "Basel") else "DE",
        "contact": {
            "firstName": "Eva",
            "lastName": f"Muster{number}",
            "email": f"lead{email_of if email_of is not None else number}@bench.example",
            "phone": f"+49 40 {10_000_000 + number}",
        },
        "consentGivenAt": "2024-06-15T10:00:00Z",
        "ownerUserId": owner,
        "registeredAt": "2024-06-15T10:00:00Z",
        "activities": [
            {
                "activityType": "MEETING",
                "activityDate": "2024-07-20T14:00:00Z",
                "summary": "Meeting vor Ort",
                "countsAsProgress": True,
            }
        ],
    }


def _send(api: ApiClient, counter: RequestCounter, body: dict[str, Any]) -> Run:
    with counter.measure() as requests:
        started = time.perf_counter()
        result = api.migrate_leads(body)
        seconds = time.perf_counter() - started
    dynamodb = sum(count for name, count in requests.sent.items() if name.startswith("dynamodb."))
    return Run(seconds, dynamodb / len(body["leads"]), result["summary"])


def measure(
    api: ApiClient, counter: RequestCounter, existing_sizes: list[int], progress: Callable[[str], None]
) -> LeadPart:
    part = LeadPart()
    owner = api.user_id()
    held, next_number = 0, 0
    for existing in sorted(existing_sizes):
        started = time.perf_counter()
        while held < existing:
            size = min(BATCH, existing - held)
            progress(f"lead migration: seeding existing leads {held:,} -> {held + size:,}")
            batch = [lead(owner, next_number + index) for index in range(size)]
            body = {"source": f"seed-{next_number}", "dryRun": False, "skipDuplicates": False, "leads": batch}
            api.migrate_leads(body)
            held, next_number = held + size, next_number + size
        seeding = time.perf_counter() - started
        probe = [
            lead(
                owner,
                next_number + index,
                email_of=index * 7 % held if index % 10 == 0 and held else None,
                company_of=index * 13 % held if index % 10 == 5 and held else None,
            )
            for index in range(BATCH)
        ]
        body = {"source": f"probe-{existing}", "skipDuplicates": False, "leads": probe}
        progress(f"lead migration: 1,000 leads against {held:,}: dry run, then import")
        dry = _send(api, counter, {**body, "dryRun": True})
        production = _send(api, counter, {**body, "dryRun": False})
        if production.summary.get("importedLeads") != BATCH:
            part.notes.append(f"lead migration at {existing:,}: imported {production.summary}")
        held, next_number = held + BATCH, next_number + BATCH
        part.sizes.append(LeadFigures(existing, seeding, dry, production))
    return part
