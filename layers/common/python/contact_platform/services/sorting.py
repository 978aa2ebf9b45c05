"""`sort=field` / `sort=-field` against a per-resource allow list."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.errors import Detail


def parse_sort(sort: str | None, allowed: tuple[str, ...], *, default: str) -> tuple[str, bool]:
    """(field, ascending); an unknown field is a 422 that lists the allowed ones."""
    if not sort:
        return default, True
    field = sort.removeprefix("-")
    if field not in allowed:
        choices = ", ".join(allowed)
        raise errors.validation_error(
            f"Cannot sort by {field}; allowed: {choices}", [Detail("sort", f"one of {choices}")]
        )
    return field, not sort.startswith("-")
