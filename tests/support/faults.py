"""Test-only fault injection for a block of a test: FAULT_STEP set (see `jobs/steps.py`), settings re-read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from contact_platform import config


@contextmanager
def settings_changed(**environment: str) -> Iterator[None]:
    """The environment changed for the block (FAULT_STEP, DEV_MODE, ...); settings re-read on both sides."""
    try:
        with mock.patch.dict(os.environ, environment):
            config.settings.cache_clear()
            yield
    finally:
        config.settings.cache_clear()


@contextmanager
def fault(step: str) -> Iterator[None]:
    """`<workflow>.<step>`, `...:once` or `<workflow>.process_chunk:<n>` fails for the block."""
    with settings_changed(**{config.ENV_FAULT_STEP: step}):
        yield
