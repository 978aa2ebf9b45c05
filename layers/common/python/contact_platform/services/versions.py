"""`If-Match` on updates: the version a client read (the `ETag` of the record it sends back)."""

from __future__ import annotations


def parse_if_match(header: str | None) -> int | None:
    """`If-Match: "3"` (or W/"3") -> 3; `*` or absent -> None. The endpoint has checked the form
    (`models/fields.ETag`: anything else is a 422)."""
    if header is None or header.strip() == "*":
        return None
    return int(header.strip().removeprefix("W/").strip('"'))
