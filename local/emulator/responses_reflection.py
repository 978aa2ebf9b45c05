"""Request dispatch (moto 5.2.5): for every request, moto lists the methods of the service's
response class with `inspect.getmembers` (sorting and filtering every attribute it inherits) to
check that the action has one: about half a millisecond of each DynamoDB request, more than a whole
`GetItem` takes in the backend. A class's methods are listed once instead: moto never adds an
action method to a response class at run time (patching an existing one keeps its name)."""

from __future__ import annotations

import functools

import moto.core.responses as moto_responses
from moto.core.utils import method_names_from_class


@functools.cache
def _method_names(clazz: object) -> frozenset[str]:
    return frozenset(method_names_from_class(clazz))


def install() -> None:
    moto_responses.method_names_from_class = _method_names  # type: ignore[attr-defined,assignment]
