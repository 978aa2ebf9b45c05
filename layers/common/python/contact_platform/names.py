"""Names derived from the snake_case names of the route and workflow tables."""

from __future__ import annotations


def pascal(name: str) -> str:
    """`api_keys` -> `ApiKeys`, `process_chunk` -> `ProcessChunk` (construct ids, ASL placeholders)."""
    return "".join(part.capitalize() for part in name.split("_"))
