"""POST /api/v1/leads/{leadId}/activities: add an activity to a lead; 201 with the lead, whose
progress deadline follows its activities."""

from contact_platform.entities.leads import ENTITY
from contact_platform.entities.shapes import shapes
from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import IfMatch
from contact_platform.models.leads import LeadActivity
from contact_platform.services import leads

Lead = shapes(ENTITY).public


@endpoint("add_lead_activity")
def add_lead_activity(leadId: str, body: LeadActivity, if_match: IfMatch = None) -> Lead:  # type: ignore[valid-type]
    return leads.add_lead_activity(caller(), leadId, body, if_match)


handler = add_lead_activity.handler
