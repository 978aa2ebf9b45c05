"""`sort=field` / `sort=-field` against a per-resource allow list."""

from __future__ import annotations

from contact_platform import errors
from contact_platform.errors import Detail
from contact_platform.names import closest


def parse_sort(sort: str | None, allowed: tuple[str, ...], *, default: str) -> tuple[str, bool]:
    """(field, ascending); an unknown field is a 422 that names the one likely meant (`-updated_at`:
    `updatedAt`) and lists the allowed ones."""
    if not sort:
        return default, True
    field = sort.removeprefix("-")
    if field not in allowed:
        choices = ", ".join(allowed)
        meant = closest(field, allowed)
        hint = f" (did you mean {meant}?)" if meant else ""
        raise errors.validation_error(
            f"Cannot sort by {field}{hint}; allowed: {choices}", [Detail("sort", f"one of {choices}")]
        )
    return field, not sort.startswith("-")
