"""The tagging workflow's chunk step (contact_platform.jobs.tagging.process_chunk)."""

from contact_platform.jobs import steps, tagging

handler = steps.step_handler("tagging", "process_chunk", tagging.process_chunk)
