"""One Query, one page: `Limit` items at most, and the LastEvaluatedKey to continue from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pynamodb.expressions.condition import Condition

T = TypeVar("T")
LastKey = dict[str, dict[str, Any]]


@dataclass
class Page(Generic[T]):
    items: list[T]
    last_key: LastKey | None


def query_page(
    source: Any,  # a Model class or one of its indexes
    partition: str,
    *,
    limit: int,
    start: LastKey | None = None,
    condition: Condition | None = None,
    forward: bool = True,
    consistent: bool = False,
) -> Page[Any]:
    """Exactly one Query request (`Limit=limit`), unless DynamoDB's 1 MB page cap cuts it short."""
    kwargs: dict[str, Any] = {
        "range_key_condition": condition,
        "scan_index_forward": forward,
        "limit": limit,
        "page_size": limit,
        "last_evaluated_key": start,
    }
    if consistent:
        kwargs["consistent_read"] = True
    results = source.query(partition, **kwargs)
    items = list(results)
    return Page(items, results.last_evaluated_key)


def index_page(
    model: Any,
    index_name: str,
    partition: str,
    *,
    limit: int,
    start: LastKey | None,
    forward: bool,
    sort_from: str | None = None,
    sort_before: str | None = None,
) -> Page[Any]:
    """One page of `model` items from a list index (`GSI1`..`GSI5`), sort keys from `sort_from`
    (included) to `sort_before` (excluded: every key is `<value>#<id>`, so `<= sort_before` leaves
    out that value itself)."""
    index = getattr(model, index_name.lower())
    sort_attribute = getattr(model, f"{index_name.lower()}sk")
    condition: Condition | None = None
    if sort_from and sort_before:
        condition = sort_attribute.between(sort_from, sort_before)
    elif sort_from:
        condition = sort_attribute >= sort_from
    elif sort_before:
        condition = sort_attribute <= sort_before
    return query_page(index, partition, limit=limit, start=start, forward=forward, condition=condition)


# A filtered list may need several Queries to fill one page; it stops after this many and returns
# what it has with the cursor, so one request's cost stays bounded.
MAX_QUERIES_PER_PAGE = 5


def collect(
    fetch: Callable[[int, LastKey | None], Page[T]],
    keep: Callable[[T], bool],
    *,
    limit: int,
    start: LastKey | None,
    max_queries: int = MAX_QUERIES_PER_PAGE,
) -> Page[T]:
    """Fill a page with the items `keep` accepts, asking `fetch` for no more than the page still needs."""
    items: list[T] = []
    last_key = start
    for _ in range(max_queries):
        page = fetch(limit - len(items), last_key)
        items.extend(item for item in page.items if keep(item))
        last_key = page.last_key
        if last_key is None or len(items) >= limit:
            break
    return Page(items, last_key)


def skip(
    fetch: Callable[[int, LastKey | None], Page[T]],
    keep: Callable[[T], bool] | None,
    *,
    count: int,
    start: LastKey | None = None,
) -> tuple[LastKey | None, bool]:
    """Where a list goes on after its first `count` items (those `keep` accepts): the key to start
    from, and whether items are left after them (a page number turned into a start key)."""
    last_key = start
    while count > 0:
        page = fetch(min(count, 1000), last_key)
        kept = page.items if keep is None else [item for item in page.items if keep(item)]
        count -= len(kept)
        last_key = page.last_key
        if last_key is None:
            return None, False
    return last_key, True


def position_of(item: Any, index: str) -> LastKey:
    """Where a walk of an item's list index (`GSI1`..`GSI7`) goes on right after it: the
    ExclusiveStartKey of a page that ended with it."""
    number = index.lower()
    attributes = {
        "PK": item.pk,
        "SK": item.sk,
        f"{index}PK": getattr(item, f"{number}pk"),
        f"{index}SK": getattr(item, f"{number}sk"),
    }
    return {name: {"S": value} for name, value in attributes.items()}
