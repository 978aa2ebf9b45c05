"""The tagging workflow's finalize step (contact_platform.jobs.tagging.finalize)."""

from contact_platform.jobs import steps, tagging

handler = steps.step_handler("tagging", "finalize", tagging.finalize)
