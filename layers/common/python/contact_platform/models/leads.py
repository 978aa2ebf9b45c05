"""The parts of a lead (entities/leads.py): its contact person, its activities, and where a migrated
lead came from."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from contact_platform.models.base import Input, Model
from contact_platform.models.fields import Description, Email, Moment, PersonName, Phone, ShortName, text

Territory = Literal["DE", "CH"]
ActivityType = Literal["MEETING", "CALL", "EMAIL", "SAMPLE_SENT", "VISIT", "NOTE", "OFFER_SENT", "ORDER"]
ProtectionStatus = Literal["PROTECTED", "EXPIRED"]


class LeadContact(Input):
    """The person to talk to; with an email or a phone, and the lead's `consentGivenAt`."""

    firstName: PersonName | None = None
    lastName: PersonName | None = None
    email: Email | None = None
    phone: Phone | None = None
    role: ShortName | None = None


class LeadActivity(Input):
    """Something done for the lead, dated between its registration and now."""

    activityType: ActivityType
    activityDate: Annotated[Moment, Field(description="Between the lead's registeredAt and now.")]
    summary: Description
    countsAsProgress: Annotated[
        bool, Field(description="Whether it renews the lead's progress deadline: always given, never assumed.")
    ]
    outcome: text(200) | None = None  # type: ignore[valid-type]
    performedBy: Annotated[
        text(100) | None,  # type: ignore[valid-type]
        Field(description="Who did it: a user's ID, or a name from the system a migrated lead came from."),
    ] = None


class LeadMigration(Model):
    """Where a migrated lead came from (set by the migration only)."""

    importId: str
    externalId: str
    source: str
