"""What leads do beyond CRUD (docs/architecture.md, "Entities"): an activity added to a lead, whose
progress deadline the declaration's write hook then moves (entities/leads.py)."""

from __future__ import annotations

from typing import Any

from contact_platform import errors
from contact_platform.entities import service
from contact_platform.entities.leads import ENTITY, MAX_ACTIVITIES
from contact_platform.entities.shapes import shapes
from contact_platform.errors import ApiError, Detail
from contact_platform.models.base import Model
from contact_platform.models.leads import LeadActivity
from contact_platform.permissions import Caller


def add_lead_activity(caller: Caller, lead_id: str, activity: LeadActivity, if_match: str | None) -> Model:
    """The lead with `activity` after those it has, on the lead as read at each attempt (a concurrent
    addition is kept); a problem of the activity names its own field (`activityDate`)."""
    added = activity.model_dump(mode="json", exclude_none=True)

    def appended(lead: dict[str, Any]) -> Model:
        activities = [*lead.get("activities", []), added]
        if len(activities) > MAX_ACTIVITIES:
            raise errors.conflict(f"The lead has {MAX_ACTIVITIES} activities, as many as a lead takes")
        return shapes(ENTITY).patch.model_validate({"activities": activities})

    try:
        return service.update(ENTITY, caller, lead_id, appended, if_match)
    except ApiError as error:
        if error.code != "VALIDATION_ERROR":
            raise
        own = [Detail(_own(problem.field), problem.issue) for problem in error.details]
        raise errors.invalid(own) from error  # the message names the fields as the details do


def _own(field: str) -> str:
    """`activities[3].activityDate` -> `activityDate` (what the request body calls it)."""
    return field.split("].", 1)[1] if field.startswith("activities[") and "]." in field else field
