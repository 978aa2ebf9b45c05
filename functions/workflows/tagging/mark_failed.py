"""The tagging workflow's failure step (Catch): the operation becomes FAILED with the reason."""

from contact_platform.jobs import steps

handler = steps.step_handler("tagging", "mark_failed", steps.mark_failed)
