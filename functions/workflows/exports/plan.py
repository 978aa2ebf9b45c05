"""The exports workflow's plan step (contact_platform.jobs.exports.plan)."""

from contact_platform.jobs import exports, steps

handler = steps.step_handler("exports", "plan", exports.plan)
