"""What the store reports when a conditional write does not go through."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's own failures."""


class UniqueValueTaken(StoreError):
    """A guard item exists already: the value belongs to another record."""

    def __init__(self, value: str, owner_id: str) -> None:
        super().__init__(f"{value} is taken by {owner_id}")
        self.value = value
        self.owner_id = owner_id


class ClaimTaken(StoreError):
    """An item a write claims (one that must not exist yet: a campaign code's assignment) exists."""

    def __init__(self, pk: str) -> None:
        super().__init__(f"{pk} exists")
        self.pk = pk


class StaleVersion(StoreError):
    """The record changed (or vanished) since it was read."""


class TagUnavailable(StoreError):
    """A contact was to take a tag that is being deleted, or the old name of a tag being renamed."""

    def __init__(self, name: str) -> None:
        super().__init__(f"tag {name} is being deleted or renamed")
        self.name = name
