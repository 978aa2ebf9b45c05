"""The campaign_exports workflow's failure step (Catch): the export becomes FAILED with the reason."""

from contact_platform.jobs import steps

handler = steps.step_handler("campaign_exports", "mark_failed", steps.mark_failed)
