"""The imports workflow's finalize step (contact_platform.jobs.imports.finalize)."""

from contact_platform.jobs import imports, steps

handler = steps.step_handler("imports", "finalize", imports.finalize)
