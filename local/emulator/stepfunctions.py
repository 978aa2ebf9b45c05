"""Step Functions (moto 5.2.5).

- Logs: moto's ASL interpreter logs an ERROR line (`Exception=FailureEventException ...`) for every
  state a failure passes through, even when a Catch handles it as designed, and warns on every parse
  that `ToleratedFailurePercentage` has no effect (a known gap, docs/architecture.md, Local stack).
  Those lines are dropped (`install()`); its other errors and warnings still show.
- Definitions (`install_definitions()`, for stacks that execute state machines): moto's ASL grammar
  takes `ToleratedFailurePercentage` only as a number with a fraction (`0.0`) and rejects an integer
  (`0`, `5`), which AWS accepts; the definition moto parses (not the one it stores) gets such integers
  as floats. Separate because importing moto's interpreter takes about two seconds (it imports moto's
  Batch and EC2 models), which stacks and tests without jobs need not pay.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

# Logger -> start of the messages dropped from it (moto/stepfunctions/parser/asl/...).
EXPECTED_NOISE = {
    "moto.stepfunctions.parser.asl.component.eval_component": "Exception=FailureEventException",
    "moto.stepfunctions.parser.asl.parse.preprocessor": "ToleratedFailurePercentage declarations",
}
FRACTION_ONLY_FIELDS = ("ToleratedFailurePercentage",)
_original_parse: Callable[[str], Any] | None = None


def _as_fractions(value: Any) -> tuple[Any, bool]:
    """(value with FRACTION_ONLY_FIELDS' integers as floats, whether anything changed)."""
    changed = False
    if isinstance(value, dict):
        for key, item in value.items():
            if key in FRACTION_ONLY_FIELDS and isinstance(item, int) and not isinstance(item, bool):
                value[key], changed = float(item), True
            else:
                value[key], inner = _as_fractions(item)
                changed = changed or inner
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index], inner = _as_fractions(item)
            changed = changed or inner
    return value, changed


def _parse(definition: str) -> Any:
    assert _original_parse is not None
    try:
        document, changed = _as_fractions(json.loads(definition))
    except ValueError:
        changed = False  # not JSON: moto reports it
    return _original_parse(json.dumps(document) if changed else definition)


class _ExpectedNoise(logging.Filter):
    """Drops the lines EXPECTED_NOISE names for the logger it is on."""

    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.start)


_noise_filters = {name: _ExpectedNoise(start) for name, start in EXPECTED_NOISE.items()}


def install() -> None:
    for name, noise in _noise_filters.items():
        logging.getLogger(name).addFilter(noise)  # added once: the same filter object


def install_definitions() -> None:
    global _original_parse
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if _original_parse is None:
        _original_parse = AmazonStateLanguageParser.parse
        AmazonStateLanguageParser.parse = staticmethod(_parse)  # type: ignore[method-assign]
