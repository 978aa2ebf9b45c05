"""Names: those derived from the snake_case names of the route and workflow tables, and the one a
client most likely meant by a name the API does not know."""

from __future__ import annotations

import re
from collections.abc import Iterable

# The CRM seed's words for what this API names otherwise (docs/architecture.md, "API conventions",
# names): its persons are the contacts, its `org` an organization. A name using them is read with
# this API's word before matching.
_SEED_WORDS = {"person": "contact", "org": "organization"}
_SEED_WORD = r"(?:(?<![A-Za-z])(person|org)|(?<=[a-z])(Person|Org))(?=s?(?![a-z]))"  # compiled when first used


def _in_our_words(name: str) -> str:
    """`org_id` -> `organization_id`, `personId` -> `contactId`, `person.created` -> `contact.created`."""

    def ours(match: re.Match[str]) -> str:
        word = match.group(1) or match.group(2)
        replaced = _SEED_WORDS[word.lower()]
        return replaced if word.islower() else replaced.capitalize()

    return re.sub(_SEED_WORD, ours, name)


def pascal(name: str) -> str:
    """`api_keys` -> `ApiKeys`, `process_chunk` -> `ProcessChunk` (construct ids, ASL placeholders)."""
    return "".join(part.capitalize() for part in name.split("_"))


def closest(sent: str, names: Iterable[str], *, cutoff: float = 0.75) -> str | None:
    """The name `sent` was likely meant as, ignoring case and underscores and in this API's words for
    the seed's (`org_id` -> `organizationId`, `person.created` -> `contact.created`): a close spelling
    (`owner_id` -> `ownerId`, `events` -> `event`, `limt` -> `limit`), else the one name ending in it
    (`url` -> `targetUrl`); None when nothing is near."""
    import difflib  # only a refused request pays for it

    folded = {name.lower().replace("_", ""): name for name in names}
    key = _in_our_words(sent).lower().replace("_", "")
    close = difflib.get_close_matches(key, list(folded), n=1, cutoff=cutoff)
    if close:
        return folded[close[0]]
    ending = [name for folded_name, name in folded.items() if len(key) >= 3 and folded_name.endswith(key)]
    return ending[0] if len(ending) == 1 else None
