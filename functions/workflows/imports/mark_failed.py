"""The imports workflow's failure step (Catch): the operation becomes FAILED with the reason."""

from contact_platform.jobs import steps

handler = steps.step_handler("imports", "mark_failed", steps.mark_failed)
