"""Names: those derived from the snake_case names of the route and workflow tables, and the one a
client most likely meant by a name the API does not know."""

from __future__ import annotations

from collections.abc import Iterable


def pascal(name: str) -> str:
    """`api_keys` -> `ApiKeys`, `process_chunk` -> `ProcessChunk` (construct ids, ASL placeholders)."""
    return "".join(part.capitalize() for part in name.split("_"))


def closest(sent: str, names: Iterable[str]) -> str | None:
    """The name `sent` was likely meant as, ignoring case and underscores: a close spelling
    (`owner_id` -> `ownerId`, `events` -> `event`, `limt` -> `limit`), else the one name ending in it
    (`url` -> `targetUrl`); None when nothing is near."""
    import difflib  # only a refused request pays for it

    folded = {name.lower().replace("_", ""): name for name in names}
    key = sent.lower().replace("_", "")
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.75)
    if close:
        return folded[close[0]]
    ending = [name for folded_name, name in folded.items() if len(key) >= 3 and folded_name.endswith(key)]
    return ending[0] if len(ending) == 1 else None
