"""Bodies and answers of the campaign routes beyond those derived from the declarations
(entities/campaigns.py, entities/campaign_entries.py): a batch of entries (its body is built from
the entry's create body: services/campaign_entries.batch_shape) and a code wave."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contact_platform.models.base import Input, Model
from contact_platform.models.fields import Day, Worded

MAX_BATCH_ENTRIES = 500
MAX_WAVE_CODES = 10_000

DateKey = Annotated[Day, Field(description="The wave's day, `YYYY-MM-DD`.", examples=["2026-06-15"])]
Code = Annotated[
    str,
    Worded(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", "not a code: a letter or digit, then up to 63 letters, digits, _ or -"),
]


class CodeWave(Input):
    dateKey: DateKey
    codes: Annotated[
        list[Code],
        Field(min_length=1, max_length=MAX_WAVE_CODES, description="Up to 10,000 codes, each once, none assigned yet."),
    ]


class CodeAssignment(Model):
    assignmentId: str
    campaignId: str
    entryId: str
    contactId: str
    code: str
    dateKey: str
    assignedAt: str


class CodeWaveResult(Model):
    dateKey: str
    assigned: int = Field(description="How many codes went to entries.")
    assignments: list[CodeAssignment]
    unassignedCodes: list[str] = Field(description="Codes left over: no verified entry without a code was left.")
    takenCodes: list[str] = Field(
        description="Codes another wave of the campaign assigned while this one ran (not assigned twice)."
    )
