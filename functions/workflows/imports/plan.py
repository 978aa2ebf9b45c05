"""The imports workflow's plan step (contact_platform.jobs.import_plan.plan)."""

from contact_platform.jobs import import_plan, steps

handler = steps.step_handler("imports", "plan", import_plan.plan)
