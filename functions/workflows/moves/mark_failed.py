"""The moves workflow's failure step (Catch): the operation becomes FAILED with the reason."""

from contact_platform.jobs import steps

handler = steps.step_handler("moves", "mark_failed", steps.mark_failed)
