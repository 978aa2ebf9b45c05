"""The moves workflow's finalize step (contact_platform.jobs.moves.finalize)."""

from contact_platform.jobs import moves, steps

handler = steps.step_handler("moves", "finalize", moves.finalize)
