"""The campaign_exports workflow's plan step (contact_platform.jobs.campaign_exports.plan)."""

from contact_platform.jobs import campaign_exports, steps

handler = steps.step_handler("campaign_exports", "plan", campaign_exports.plan)
