"""Server routing (moto 5.2.5): moto's server lists its package directory on every request to find
the service. The list does not change while it runs, so it is read once."""

from __future__ import annotations

import functools

import moto.backends as moto_backends

_original_list_of_moto_modules = moto_backends.list_of_moto_modules


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(_original_list_of_moto_modules())


def install() -> None:
    moto_backends.list_of_moto_modules = _moto_modules
