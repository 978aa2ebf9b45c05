"""The campaign_exports workflow's process_chunk step (contact_platform.jobs.campaign_exports.process_chunk)."""

from contact_platform.jobs import campaign_exports, steps

handler = steps.step_handler("campaign_exports", "process_chunk", campaign_exports.process_chunk)
