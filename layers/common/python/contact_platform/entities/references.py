"""Moving references (docs/architecture.md, "Moving references"): what follows for the records that
name a record when it is deleted or merged. A deleted organization is unlinked from its contacts and
deals; a deleted pipeline's or stage's deals move to `?moveDealsTo=`; a merged contact's or
organization's deals, activities and notes (and a contact's campaign entries, unless the survivor
has entered that campaign already) move to the record that survives.

Who references a record is read from the reference entries every entity record keeps
(store/records.py) and, for contacts (not a declared entity), from their organization index. Up to
`settings().inline_moves` records (100) move in the request itself; more move in the `moves` job
(jobs/moves.py). A move changes a record only while it still names the record moved from, so running it again (a
retried job) changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from contact_platform import errors
from contact_platform.config import settings
from contact_platform.permissions import Caller
from contact_platform.store import keys
from contact_platform.store import records as store
from contact_platform.store.paging import LastKey, Page

CONTACT = "contact"  # contacts reference organizations through their own item (store/contacts.py)


@dataclass(frozen=True)
class Move:
    target: str  # the entity of the record referenced: `organization`
    from_id: str  # the record the references name now
    field: str  # the reference field of the records that move: `organizationId`
    entities: tuple[str, ...]  # the entities whose records move: `contact`, `deal`
    values: dict[str, Any]  # what each of them gets instead (None: the reference is cleared)

    def params(self) -> dict[str, Any]:
        """The move as a job's parameters."""
        return {
            "target": self.target,
            "fromId": self.from_id,
            "field": self.field,
            "entities": list(self.entities),
            "values": self.values,
        }

    @classmethod
    def of(cls, params: dict[str, Any]) -> Move:
        return cls(
            str(params["target"]),
            str(params["fromId"]),
            str(params["field"]),
            tuple(str(name) for name in params["entities"]),
            dict(params["values"]),
        )


def _every(page_of: Callable[[LastKey | None], Page[Any]]) -> Iterator[Any]:
    """The items of every page, page after page of 500."""
    start: LastKey | None = None
    while True:
        page = page_of(start)
        yield from page.items
        start = page.last_key
        if start is None:
            return


def referencing(tenant_id: str, move: Move) -> Iterator[tuple[str, str]]:
    """(entity, record ID) of every active record the move changes."""
    for entity in move.entities:
        if entity == CONTACT:
            from contact_platform.store import contacts as contact_store  # only organizations are named by contacts

            index = partial(contact_store.list_index, "GSI5", keys.organization_collection(tenant_id, move.from_id))
            contacts = _every(lambda start: index(limit=500, start=start, forward=True))  # noqa: B023 (read up before the next entity)
            yield from ((CONTACT, contact.contact_id) for contact in contacts)
        else:
            entries = partial(store.referencing, tenant_id, move.target, move.from_id, entity, move.field)
            found = _every(lambda start: entries(limit=500, start=start))  # noqa: B023 (read up before the next entity)
            yield from ((entity, reference.record_id) for reference in found)


def apply(caller: Caller, move: Move, entity: str, record_id: str) -> bool:
    """Move one record (as `caller`, who is named in its audit entry); False when it no longer names
    the record moved from (moved already, changed or deleted meanwhile)."""
    if entity == CONTACT:
        from contact_platform.services.contacts import move_organization

        return move_organization(caller, record_id, move.from_id, move.values.get(move.field))
    from contact_platform.entities import service
    from contact_platform.entities.catalog import entity as declared

    return service.move_reference(declared(entity), caller, record_id, move.field, move.from_id, move.values)


def run(caller: Caller, moves: Sequence[Move], reason: str) -> str | None:
    """Move every record the moves name: at once when there are at most `settings().inline_moves`,
    else in a `moves` job whose operation ID is answered (None: all moved)."""
    limit = settings().inline_moves
    found = ((move, entity, record_id) for move in moves for entity, record_id in referencing(caller.tenant_id, move))
    pending = list(islice(found, limit + 1))
    if len(pending) <= limit:
        try:
            for move, entity, record_id in pending:
                apply(caller, move, entity, record_id)
            return None
        except errors.ApiError:
            pass  # a record kept changing under the move: the job moves what is left
    from contact_platform.services import operations

    operation = operations.new_operation(caller, "moves", {"reason": reason, "moves": [m.params() for m in moves]})
    operations.start(caller, operation, "moves.started")
    return str(operation.operation_id)
