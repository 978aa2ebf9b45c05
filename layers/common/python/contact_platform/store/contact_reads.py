"""Contacts as bulk jobs read them: only the attributes they use (docs/architecture.md, "10 million
rows on AWS").

A plan lists the IDs of every contact of a segment; the chunks read the contacts themselves. So it
asks DynamoDB for no more than it needs (a `ProjectionExpression` of the ID, the index keys and the
filter's attributes) and reads the answer with the plain client: no pynamodb model instances, whose
building from full contact items was most of the plan's time. Every entry comes with its
`position`: the ExclusiveStartKey that continues right after it (the index's keys and the table's,
as in a LastEvaluatedKey), so a plan may stop after any entry and the next invocation resumes there.

An export chunk reads its contacts projected to the attributes of its columns (`contact_values`):
the derived attributes (index keys, search tokens, email, phone and tag keys) make about half of
a contact item and are never exported. The read units are those of the full items all the same
(DynamoDB charges for the item read, not the attributes returned).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contact_platform.store import keys, wire
from contact_platform.store.contacts import contact_key
from contact_platform.store.paging import LastKey, Page
from contact_platform.store.wire import plain

# The contact attributes a filter may check (services/contact_queries.Criteria), by field name.
ATTRIBUTES = {
    "contact_id": "id",
    "is_active": "isActive",
    "owner_id": "ownerId",
    "organization_id": "organizationId",
    "tag_keys": "tagKeys",
    "created_at": "createdAt",
    "updated_at": "updatedAt",
    "search_tokens": "searchTokens",
}
ALWAYS = ("contact_id", "is_active")


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """A contact's ID and the attributes read for it (the others keep their defaults and must not be
    checked: the reader names what it checks)."""

    contact_id: str
    is_active: bool = True
    owner_id: str | None = None
    organization_id: str | None = None
    tag_keys: tuple[str, ...] = ()
    created_at: str = ""
    updated_at: str = ""
    search_tokens: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One contact of a page, and the key that resumes the Query right after it."""

    facts: ContactFacts
    position: LastKey


@dataclass(frozen=True, slots=True)
class Pointer:
    """One contact ID from a tag's assignments or a search partition (the contact itself not read),
    with its entry's key; a search entry's token and all the contact's tokens (none for a tag)."""

    contact_id: str
    position: LastKey
    token: str = ""
    tokens: tuple[str, ...] = ()


def _facts(item: dict[str, Any], fields: Iterable[str]) -> ContactFacts:
    values: dict[str, Any] = {}
    for field in fields:
        if ATTRIBUTES[field] in item:
            value = plain(item[ATTRIBUTES[field]])
            values[field] = tuple(value) if isinstance(value, list) else value
    return ContactFacts(**values)


def _fields(fields: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*ALWAYS, *fields]))


def index_entries(
    index_name: str,
    partition: str,
    *,
    fields: Iterable[str],
    limit: int,
    start: LastKey | None,
    sort_from: str | None = None,
    sort_before: str | None = None,
) -> Page[Entry]:
    """One Query of a contact list index (`GSI1`..`GSI5`, oldest first), sort keys from `sort_from`
    (included) to `sort_before` (excluded, as `store/paging.index_page`); `fields`: the ContactFacts
    fields to read besides the ID and `is_active`."""
    wanted = _fields(fields)
    key_names = [f"{index_name}PK", f"{index_name}SK", "PK", "SK"]
    projection, names, holder = wire.projection([*key_names, *(ATTRIBUTES[field] for field in wanted)])
    pk, sk = holder[f"{index_name}PK"], holder[f"{index_name}SK"]
    condition = f"{pk} = :pk"
    values: dict[str, Any] = {":pk": {"S": partition}}
    if sort_from and sort_before:
        condition += f" AND {sk} BETWEEN :from AND :before"
        values |= {":from": {"S": sort_from}, ":before": {"S": sort_before}}
    elif sort_from:
        condition += f" AND {sk} >= :from"
        values[":from"] = {"S": sort_from}
    elif sort_before:
        condition += f" AND {sk} <= :before"
        values[":before"] = {"S": sort_before}
    answer = wire.query(
        {
            "IndexName": index_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": projection,
            "Limit": limit,
        },
        start,
    )
    entries = [
        Entry(_facts(item, wanted), {name: item[name] for name in key_names}) for item in answer.get("Items", [])
    ]
    return Page(entries, answer.get("LastEvaluatedKey"))


def tag_pointers(tenant_id: str, tag_key: str, *, limit: int, start: LastKey | None) -> Page[Pointer]:
    """One Query of a tag's assignments (GSI1, oldest contact first): the contact IDs only."""
    key_names = ["GSI1PK", "GSI1SK", "PK", "SK"]
    projection, names, holder = wire.projection([*key_names, "contactId"])
    answer = wire.query(
        {
            "IndexName": "GSI1",
            "KeyConditionExpression": f"{holder['GSI1PK']} = :pk",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":pk": {"S": keys.tag_collection(tenant_id, tag_key)}},
            "ProjectionExpression": projection,
            "Limit": limit,
        },
        start,
    )
    pointers = [
        Pointer(item["contactId"]["S"], {name: item[name] for name in key_names}) for item in answer.get("Items", [])
    ]
    return Page(pointers, answer.get("LastEvaluatedKey"))


AFTER = "after"  # the one attribute of a position in the merged assignments of several tags


def tags_pointers(
    tenant_id: str, tag_keys: Iterable[str], *, limit: int, start: LastKey | None, forward: bool = True
) -> Page[Pointer]:
    """The contacts holding any of the tags, oldest first (newest with `forward` false), each once:
    one Query of each tag's assignments (GSI1, sorted by the contact's `<createdAt>#c`, the same in
    every tag) from the sort key after which `start` goes on, merged. A position is that sort key
    alone (`{"after": ...}`), so each tag's Query resumes by its key condition."""
    after = start[AFTER]["S"] if start else None
    found: dict[str, str] = {}  # sort key -> contact ID
    more = False
    for tag_key in dict.fromkeys(tag_keys):
        values = {":pk": {"S": keys.tag_collection(tenant_id, tag_key)}}
        condition = "GSI1PK = :pk"
        if after is not None:
            condition += " AND GSI1SK > :after" if forward else " AND GSI1SK < :after"
            values[":after"] = {"S": after}
        answer = wire.query(
            {
                "IndexName": "GSI1",
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "ProjectionExpression": "GSI1SK, contactId",
                "ScanIndexForward": forward,
                "Limit": limit,
            },
            None,
        )
        found.update((item["GSI1SK"]["S"], item["contactId"]["S"]) for item in answer.get("Items", []))
        more = more or "LastEvaluatedKey" in answer
    ordered = sorted(found, reverse=not forward)
    taken = ordered[:limit]
    pointers = [Pointer(found[sort_key], {AFTER: {"S": sort_key}}) for sort_key in taken]
    return Page(pointers, pointers[-1].position if pointers and (more or len(ordered) > limit) else None)


def search_pointers(tenant_id: str, term: str, *, limit: int, start: LastKey | None) -> Page[Pointer]:
    """One Query of the search entries starting with `term`: contact IDs and each entry's tokens."""
    projection, names, holder = wire.projection(["PK", "SK", "contactId", "token", "tokens"])
    answer = wire.query(
        {
            "KeyConditionExpression": f"{holder['PK']} = :pk AND begins_with({holder['SK']}, :term)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":pk": {"S": keys.search_pk(tenant_id, term)}, ":term": {"S": term}},
            "ProjectionExpression": projection,
            "Limit": limit,
        },
        start,
    )
    pointers = [
        Pointer(
            item["contactId"]["S"],
            {"PK": item["PK"], "SK": item["SK"]},
            item["token"]["S"],
            tuple(plain(item.get("tokens", {"L": []}))),
        )
        for item in answer.get("Items", [])
    ]
    return Page(pointers, answer.get("LastEvaluatedKey"))


def _batch_get(tenant_id: str, contact_ids: Iterable[str], attributes: Iterable[str]) -> Iterable[dict[str, Any]]:
    """The contact items of those IDs that exist (`wire.batch_get`), projected to `attributes`."""
    return wire.batch_get((contact_key(tenant_id, contact_id) for contact_id in contact_ids), attributes)


def contact_facts(tenant_id: str, contact_ids: Iterable[str], *, fields: Iterable[str]) -> dict[str, ContactFacts]:
    """The contacts of those IDs that exist, read consistently with BatchGetItem (100 keys a request,
    unprocessed keys asked again) and only `fields` (besides the ID and `is_active`)."""
    wanted = _fields(fields)
    found = (_facts(item, wanted) for item in _batch_get(tenant_id, contact_ids, (ATTRIBUTES[f] for f in wanted)))
    return {facts.contact_id: facts for facts in found}


def contact_values(tenant_id: str, contact_ids: Iterable[str], attributes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The active contacts of those IDs (BatchGetItem, consistent): contact ID -> its `id` and the
    named stored attributes as plain values (those a contact lacks are absent), read without model
    instances (building a ContactItem per contact was about a third of an export chunk's time)."""
    found = _batch_get(tenant_id, contact_ids, ["id", "isActive", *attributes])
    values = ({name: plain(raw) for name, raw in item.items()} for item in found)
    return {str(item["id"]): item for item in values if item.pop("isActive", True)}
