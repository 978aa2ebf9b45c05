"""One page of a list route (docs/architecture.md, API conventions): from the cursor, which is bound
to the query (`binding`: a cursor of another list or tenant is a 400), the items the store pages
through, filtered in memory by `keep` where no index covers a filter (`collect`: a page may then be
short while `nextCursor` is set), and the next cursor."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from contact_platform import clock, errors
from contact_platform.cursor import decode_cursor, encode_cursor
from contact_platform.errors import ApiError, Detail
from contact_platform.models.paging import MAX_IDS, Listing, NamedQuery
from contact_platform.services.search_terms import MIN_SEARCH_LENGTH, fold
from contact_platform.store.paging import LastKey, Page, collect, skip

T = TypeVar("T")
M = TypeVar("M")


def listing(
    fetch: Callable[[int, LastKey | None], Page[T]],
    to_api: Callable[[T], M],
    *,
    binding: str,
    limit: int,
    cursor: str | None,
    keep: Callable[[T], bool] | None = None,
    page_number: int | None = None,
) -> Listing[M]:
    """`page_number` (from 1, instead of a cursor): the page after the first `(page_number - 1) * limit`
    items, each of which is read to get there."""
    start = decode_cursor(cursor, binding)
    if page_number is not None and page_number > 1:
        start, more = skip(fetch, keep, count=(page_number - 1) * limit, start=start)
        if not more:
            return Listing(items=[], nextCursor=None, limit=limit)
    page = fetch(limit, start) if keep is None else collect(fetch, keep, limit=limit, start=start)
    return Listing(
        items=[to_api(item) for item in page.items], nextCursor=encode_cursor(page.last_key, binding), limit=limit
    )


def requested_ids(text: str, prefix: str, *, search: str | None = None, sort: str | None = None) -> list[str]:
    """A list's `ids`: up to `MAX_IDS` IDs of the form `<prefix>_...`, each once in the order given,
    or a 422 naming `ids` (also when it comes with a search or a sort, which would order it otherwise)."""
    ids = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    malformed = [value for value in ids if not re.fullmatch(rf"{prefix}_[A-Za-z0-9]{{1,40}}", value)]
    problems = [Detail("ids", f"not an ID of the form {prefix}_...: {malformed[0][:60]}")] if malformed else []
    if not ids or len(ids) > MAX_IDS:
        problems.append(Detail("ids", f"1 to {MAX_IDS} IDs, comma-separated"))
    problems += [Detail(name, "not with ids") for name, value in (("search", search), ("sort", sort)) if value]
    if problems:
        raise errors.invalid(problems)
    return ids


def by_ids(ids: list[str], read: Callable[[list[str]], dict[str, T]]) -> Callable[[int, LastKey | None], Page[T]]:
    """The fetch of a list asked for by `ids`: pages of `size` IDs (one read of them each, `read`
    answering those it finds by ID), in their order; its cursor is where the next page starts."""

    def fetch(size: int, start: LastKey | None) -> Page[T]:
        offset = int(start["offset"]["N"]) if start else 0
        chunk = ids[offset : offset + size]
        found = read(chunk)
        following = offset + size
        return Page(
            [found[i] for i in chunk if i in found], {"offset": {"N": str(following)}} if following < len(ids) else None
        )

    return fetch


def custom_fields_match(held: dict[str, Any], wanted: dict[str, str]) -> bool:
    """A record's custom fields hold every pair of a list's `customFields` filter: text as it is, a
    number equal to the value read as a number, a boolean as `true`/`false`, null (or none) as `null`."""

    def holds(value: Any, text: str) -> bool:
        if value is None:
            return text == "null"
        if isinstance(value, bool):
            return text == str(value).lower()
        if isinstance(value, int | float):
            try:
                return float(text) == float(value)
            except ValueError:
                return False
        return str(value) == text

    return all(holds(held.get(key), text) for key, text in wanted.items())


def search_prefix(text: str, term: Callable[[str], str]) -> str:
    """What a list's `search` looks up: the prefix `term` makes of the text (folded; a contact's may
    be a phone number's digits), or a 422 when it is shorter than two characters."""
    prefix = term(text)
    if len(prefix) < MIN_SEARCH_LENGTH:
        raise errors.invalid([Detail("search", f"at least {MIN_SEARCH_LENGTH} characters")])
    return prefix


def sort_with_search() -> ApiError:
    """A search lists in its entries' order (docs/data-model.md, "Search"): no other can be asked."""
    return errors.validation_error("sort cannot be combined with search", [Detail("sort", "not with search")])


def changed_since(moment: datetime | None) -> Callable[[Any], bool] | None:
    """The `keep` of a list's `updatedSince` (models/paging.ChangedSinceQuery): items whose last
    change (`updated_at`, else their creation) is at or after it; None without one."""
    if moment is None:
        return None
    since = clock.iso(moment)
    return lambda item: str(item.updated_at or item.created_at) >= since


class NamedPages(Protocol[T]):
    """A store's list of named things: a page of its index from `start`, by the folded name's `prefix`."""

    def __call__(self, tenant_id: str, *, limit: int, start: LastKey | None, prefix: str | None) -> Page[T]: ...


def named_list(
    query: NamedQuery,
    *,
    tenant_id: str,
    name: str,
    id_prefix: str,
    pages: NamedPages[T],
    by_id: Callable[[str, list[str]], dict[str, T]],
    to_api: Callable[[T], M],
    shown: Callable[[T], bool] = lambda _: True,
) -> Listing[M]:
    """A list of named things a picker completes (tags, segments): `pages` of its index (one Query a
    page; with `search`, from its folded prefix); with `ids`, the things of those IDs that are `shown`,
    in their order (one BatchGetItem a page, `by_id`); `updatedSince` filters the page. The cursor is
    bound to the list (`name`), the tenant and the search or IDs."""
    prefix = search_prefix(query.search, fold) if query.search is not None else None
    since = changed_since(query.updatedSince)
    binding = f"{name}|{tenant_id}|{prefix}|{query.updatedSince}"
    if query.ids is None:
        fetch: Callable[[int, LastKey | None], Page[T]] = lambda size, start: pages(  # noqa: E731
            tenant_id, limit=size, start=start, prefix=prefix
        )
        keep = since
    else:
        ids = requested_ids(query.ids, id_prefix, search=query.search)
        fetch, binding = by_ids(ids, lambda chunk: by_id(tenant_id, chunk)), f"{binding}|{','.join(ids)}"
        keep = shown if since is None else (lambda item: shown(item) and since(item))
    return listing(fetch, to_api, binding=binding, limit=query.limit, cursor=query.cursor, keep=keep)
