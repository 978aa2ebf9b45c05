"""The imports workflow's chunk step (contact_platform.jobs.imports.process_chunk)."""

from contact_platform.jobs import imports, steps

handler = steps.step_handler("imports", "process_chunk", imports.process_chunk)
