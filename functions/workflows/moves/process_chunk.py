"""The moves workflow's process_chunk step (contact_platform.jobs.moves.process_chunk)."""

from contact_platform.jobs import moves, steps

handler = steps.step_handler("moves", "process_chunk", moves.process_chunk)
