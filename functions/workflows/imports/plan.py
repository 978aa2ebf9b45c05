"""The imports workflow's plan step (contact_platform.jobs.imports.plan)."""

from contact_platform.jobs import imports, steps

handler = steps.step_handler("imports", "plan", imports.plan)
