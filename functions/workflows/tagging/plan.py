"""The tagging workflow's plan step (contact_platform.jobs.tagging.plan)."""

from contact_platform.jobs import steps, tagging

handler = steps.step_handler("tagging", "plan", tagging.plan)
