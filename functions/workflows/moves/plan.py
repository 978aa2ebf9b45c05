"""The moves workflow's plan step (contact_platform.jobs.moves.plan)."""

from contact_platform.jobs import moves, steps

handler = steps.step_handler("moves", "plan", moves.plan)
