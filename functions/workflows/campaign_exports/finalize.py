"""The campaign_exports workflow's finalize step (contact_platform.jobs.campaign_exports.finalize)."""

from contact_platform.jobs import campaign_exports, steps

handler = steps.step_handler("campaign_exports", "finalize", campaign_exports.finalize)
