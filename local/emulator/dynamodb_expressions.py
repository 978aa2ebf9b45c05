"""DynamoDB expressions (moto 5.2.5): moto parses the same condition and update expressions again
and again: an UpdateItem parses its update expression twice and its condition twice (once to check
which names and values it uses, once to evaluate it), a TransactWriteItems each item's condition
twice; lexing them with freshly compiled regular expressions took about a third of the emulator's
time for the rate limit's conditional `UpdateItem` and a contact create's transaction of 9 items
(benchmarks/README.md, "Where an emulated write's time goes"). The platform sends a handful of
distinct expressions, so each parse is kept:

- a condition's result (the operation tree and the names and values it found) per expression,
  names and values, as given: the tree holds the values, and moto never changes it after parsing;
- an update expression's syntax tree per expression string: moto validates a deep copy of it
  (`Validator.__init__`) and otherwise only reads it.

An expression that fails to parse is not kept: every request with it gets moto's error again."""

from __future__ import annotations

import threading
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]  # untyped

CACHED = 4096  # parses kept of each kind; the cache is emptied when full (the platform sends far fewer)
_original_parse = ConditionExpressionParser.parse
_original_make = UpdateExpressionParser.make.__func__
_conditions: dict[Any, tuple[Any, list[str], list[str]]] = {}
_updates: dict[str, Any] = {}
_lock = threading.Lock()


def _frozen(value: Any) -> Any:
    """A hashable stand-in for parsed JSON (types kept: `True` and `1` differ)."""
    if isinstance(value, dict):
        return (dict, tuple(sorted((key, _frozen(item)) for key, item in value.items())))
    if isinstance(value, list):
        return (list, tuple(_frozen(item) for item in value))
    return (type(value), value)


def _parse(self: Any) -> Any:
    expression = self.condition_expression
    if not expression or not isinstance(expression, str):
        return _original_parse(self)
    try:
        key = (
            expression,
            _frozen(self.expression_attribute_names),
            _frozen(self.expression_attribute_values),
        )
        hash(key)
    except TypeError:
        return _original_parse(self)
    found = _conditions.get(key)
    if found is None:
        names_before, values_before = len(self.expr_attr_names_found), len(self.expr_attr_values_found)
        op = _original_parse(self)  # raises as moto does: nothing is kept
        found = (op, self.expr_attr_names_found[names_before:], self.expr_attr_values_found[values_before:])
        with _lock:
            if len(_conditions) >= CACHED:
                _conditions.clear()
            _conditions[key] = found
        return op
    op, names, values = found
    self.expr_attr_names_found.extend(names)
    self.expr_attr_values_found.extend(values)
    return op


def _make(cls: Any, expression_str: Any) -> Any:
    if cls is not UpdateExpressionParser or not isinstance(expression_str, str):
        return _original_make(cls, expression_str)
    found = _updates.get(expression_str)
    if found is None:
        found = _original_make(cls, expression_str)
        with _lock:
            if len(_updates) >= CACHED:
                _updates.clear()
            _updates[expression_str] = found
    return found


def install() -> None:
    ConditionExpressionParser.parse = _parse  # type: ignore[method-assign]
    UpdateExpressionParser.make = classmethod(_make)
