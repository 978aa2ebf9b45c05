"""`If-Match` on a write of one record (PATCH, DELETE, an action): the version a client read, the
`ETag` of the record it sends back; a record changed since is a 412 (docs/architecture.md, "A request")."""

from __future__ import annotations

from dataclasses import dataclass

from contact_platform import errors


def parse_if_match(header: str | None) -> int | None:
    """`If-Match: "3"` (or W/"3") -> 3; `*` or absent -> None. The endpoint has checked the form
    (`models/fields.ETag`: anything else is a 422)."""
    if header is None or header.strip() == "*":
        return None
    return int(header.strip().removeprefix("W/").strip('"'))


@dataclass(frozen=True)
class Precondition:
    """What a write of one record was asked to hold to: the version of `If-Match`, if sent."""

    label: str  # "Contact", "Deal": the record named in the 412's message
    expected: int | None

    @classmethod
    def of(cls, if_match: str | None, label: str) -> Precondition:
        return cls(label, parse_if_match(if_match))

    def check(self, version: float) -> None:
        """412 when the record as read (its version, a number attribute) is not the version the
        client named."""
        if self.expected is not None and self.expected != version:
            raise errors.precondition_failed(f"{self.label} has changed: its version is {int(version)}")

    def after_lost_race(self) -> None:
        """A concurrent write changed the record between its read and this write: 412 when the client
        named a version (it is gone), else the caller reads the record again and retries."""
        if self.expected is not None:
            raise errors.precondition_failed(f"{self.label} has changed since it was read")
