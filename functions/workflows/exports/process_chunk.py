"""The exports workflow's chunk step (contact_platform.jobs.exports.process_chunk)."""

from contact_platform.jobs import exports, steps

handler = steps.step_handler("exports", "process_chunk", exports.process_chunk)
