"""The exports workflow's finalize step (contact_platform.jobs.exports.finalize)."""

from contact_platform.jobs import exports, steps

handler = steps.step_handler("exports", "finalize", exports.finalize)
