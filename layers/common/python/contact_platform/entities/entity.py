"""What an entity declaration says (docs/architecture.md, "Entities"): everything the generic routes,
models, service and store need to know about one CRM resource, written once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ConfigDict

from contact_platform.errors import Detail
from contact_platform.models.base import Model

if TYPE_CHECKING:  # a declaration names the store's types only in annotations
    from contact_platform.store.key_sets import SetName

SERVER_SORTS = ("createdAt", "updatedAt")


class Fields(Model):
    """The base of an entity's fields model: the writable fields, each written once. A field without
    a default is required on create; the others are optional (None: not set)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Checks(Protocol):
    """Rules across fields, on the record as it would be stored (API field names) and the fields the
    write changes: the problems, if any. `unknown`: fields sent with values that did not validate, so
    absent here (a create body with field errors is checked on the rest, entities/shapes.py): a rule
    that reads one of them says nothing rather than judge a record the caller did not send."""

    def __call__(
        self, record: dict[str, Any], changed: set[str], /, *, unknown: frozenset[str] = ...
    ) -> list[Detail]: ...


@dataclass(frozen=True)
class Rollup:
    """A field of each record added up in its parent, in the same transaction as the record's write
    (deal products: each `total` into the deal's `value`); the parent counts its records in `count`."""

    field: str
    into: str
    count: str


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, eq=False)
class Entity:
    name: str  # snake case: `deal_product`; routes `create_deal_product`, audit entity type, events
    prefix: str  # the ID prefix: `org` -> `org_...`
    fields: type[Fields]
    _: KW_ONLY
    label: str  # in messages: "Organization not found"
    plural: str = ""  # snake case, default name + "s": routes `list_organizations`, scopes `organizations:*`
    unique: tuple[str, ...] = ()  # unique per tenant among active records, case- and accent-insensitive
    # Prefix search (`search=`, at least 2 characters) over these fields; `contact.firstName`: a field
    # of an object field; fields separated by spaces are searched as one name, their values joined
    # (`contact.firstName contact.lastName`: `eva mus` finds Eva Muster).
    search: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()  # equality filters of the list (fields of `fields` or the server's)
    # List filters computed from a record's fields (API names): query parameter -> (its type, whether
    # a record's fields match a value sent). Campaign entries: `optIn=artistEmail`, that opt-in true.
    matches: Mapping[str, tuple[Any, Callable[[dict[str, Any], Any], bool]]] = field(default_factory=dict)
    # Fields the list sorts by besides createdAt and updatedAt, at most three (GSI3, GSI6, GSI7).
    sort: tuple[str, ...] = ()
    default_sort: str = "-createdAt"  # the list's order without `sort` (stages: their place in the pipeline)
    link: str | None = None  # a reference whose filter is one Query (GSI5); other filters read pages
    references: Mapping[str, str] = field(default_factory=dict)  # field -> entity that must exist in the tenant
    # A reference that is the record's parent (stages: `pipelineId`): set from the path of the nested
    # create and list routes (`/pipelines/{pipelineId}/stages`), never from a body; the list is one Query.
    parent: str | None = None
    segment: str = ""  # a nested collection's last path segment (`products`), default the entity's own
    id_name: str = ""  # the path parameter naming one record (`entryId`), default `<name>Id`
    # A nested entity without an owner of its own whose parent has one (deal products) is seen and
    # changed by who sees and changes the parent; `rollup` keeps a sum of its records in the parent.
    rollup: Rollup | None = None
    # Fields a write leaves out that take a field of a record it references when that reference is
    # set (a deal product's `itemPrice` from its product's `price`): field -> (reference, its field).
    inherit: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # An inherited field taken only from a record that agrees on a field with the record of another
    # reference (a deal product's price from its product only when the product's currency is the
    # deal's): inherited field -> (the field they share, the other reference). Else the write must give
    # it (422 naming the field).
    inherit_agreeing: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # A reference whose record must share a field with this one (deals: the stage named by `stageId`
    # has the deal's `pipelineId`): reference field -> the shared field (422 naming the reference).
    within: Mapping[str, str] = field(default_factory=dict)
    unique_within: str | None = None  # unique values are unique among records with the same value of this field
    # The field naming the record's owner (default: the caller), stored as the record's `ownerId`
    # whatever the API calls it; None: records without an owner, seen by every key with the scopes.
    owner: str | None = "ownerId"
    shared: bool = True  # an owned record may be visible to everyone (`visibleTo`); False: never
    # References whose records a caller must see, each that the record names, to see the record at
    # all (and so to change or delete it), as it must to create it: Pipedrive's rule for notes and
    # activities, seen only by who can access every item they are linked to; a campaign entry and
    # its contact (the entry's opt-ins are that contact's consent). Else 404, and out of every list.
    # Admins and managers see every record, so only the others' reads read the linked records.
    seen_with: tuple[str, ...] = ()
    # Roles that read every record of the entity, as admins and managers do, changing only their own.
    readers: tuple[str, ...] = ()
    # Range filters: field (of `fields` or the server's) -> (lower bound parameter, upper bound
    # parameter), both included; None: no such bound.
    ranges: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # Rules across fields (`Checks`).
    checks: Checks | None = None
    # Fields the server sets (in the record as returned, never in a body): name -> type, and the hook
    # that sets them on every write from the record before (None on create) and after, at `now`.
    server_fields: Mapping[str, Any] = field(default_factory=dict)
    on_write: Callable[[dict[str, Any] | None, dict[str, Any], str], dict[str, Any]] | None = None
    # Server fields derived whenever a record is read, from its fields at `now`, never stored (what
    # depends on the time of reading); a list filters on them after reading.
    on_read: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    # Normalized values that find an active record among many in one BatchGetItem (store/key_sets.py):
    # from the record's fields, the (kind, value, note) of each set it is in (leads: email, phone,
    # company words per city noting the company core, what the migration finds duplicates by).
    key_sets: Callable[[dict[str, Any]], list[SetName]] | None = None
    # Tallies kept in the same transaction as each write (deals: the summary's counters): from the
    # tenant and the record before and after (fields plus ownerId and visibleTo; None: absent or
    # deleted), the increments of store/tallies.py.
    tallies: Callable[[str, dict[str, Any] | None, dict[str, Any] | None], list[Any]] | None = None
    # What a delete asks first, from the caller, the record's fields (plus `id`) and the delete's query
    # (`delete_query`, None without one): raises the error to answer when the delete may not happen,
    # else answers the moves (entities/references.py) of the records that reference it.
    before_delete: Callable[[Any, dict[str, Any], Any], list[Any]] | None = None
    delete_query: type[Model] | None = None  # the query parameters the delete takes
    # What hangs on a record besides its nested records and goes with its 90-day purge (campaigns: their
    # code assignments): from the tenant, the record's ID and where the last page ended, one page
    # (store/paging.Page) of those items.
    purged_with: Callable[[str, str, Any], Any] | None = None
    # The reference whose record's 90-day purge takes this record along (a campaign entry goes with
    # its contact: the contact's participation, nothing without it); otherwise a record keeps naming
    # a purged one (a note its contact).
    purged_with_reference: str | None = None
    # Who may create or change a record beyond the owner rule, and rules about the tenant's other
    # records: from the caller, the record read (fields plus `id`; None on create) and the fields sent,
    # raising the error to answer (users: admins only, the last active admin stays one).
    guard: Callable[[Any, dict[str, Any] | None, dict[str, Any]], None] | None = None
    # Values a create takes for fields it leaves out, read from other records, from the caller and the
    # fields sent, with the parent the path names (a deal given only its pipeline: that pipeline's first
    # stage; a stage without `order`: after its pipeline's last).
    defaults: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    # What follows a written change, from the caller and the record's fields (plus `id`) before and
    # after (users: a deactivated user's API keys are revoked).
    after_write: Callable[[Any, dict[str, Any], dict[str, Any]], None] | None = None
    # Events beyond those of its verbs (`<name>.created`, ...): their actions (deals: `won`, `lost`),
    # and which of them a write of an existing record is, from the record before and after as the API
    # returns it (None: the write's own action, `updated`, `deleted`, ...).
    events: tuple[str, ...] = ()
    event: Callable[[dict[str, Any], dict[str, Any]], str | None] | None = None
    # Entities whose references to a record move to the one it is merged into (organizations: their
    # contacts, deals, activities and notes); not empty: `POST <item path>/merge` (catalog.VERBS).
    merges: tuple[str, ...] = ()
    summary: str = ""  # what one record is, for the API reference
    # A valid create body (the API reference's example; tests make records from it, with unique
    # values made distinct and references pointing at records they create first).
    example: Mapping[str, Any] = field(default_factory=dict)

    @property
    def owned(self) -> bool:
        return self.owner is not None

    @property
    def owner_fields(self) -> tuple[str, ...]:
        """The fields saying who owns and who sees a record: the owner's, and `visibleTo` when shared."""
        if self.owner is None:
            return ()
        return (self.owner, "visibleTo") if self.shared else (self.owner,)

    @property
    def plural_name(self) -> str:
        return self.plural or f"{self.name}s"

    @property
    def reference_field(self) -> str:
        """What other records name it by: `organizationId`."""
        return f"{_camel(self.name)}Id"

    @property
    def id_param(self) -> str:
        """The path parameter of its item routes: `organizationId`, or its `id_name`."""
        return self.id_name or self.reference_field

    @property
    def path(self) -> str:
        return "/api/v1/" + self.plural_name.replace("_", "-")

    @property
    def collection_path(self) -> str:
        """Where records are created and listed: under the parent's item path for a nested entity."""
        if self.parent is None:
            return self.path
        from contact_platform.entities.catalog import PLURALS

        parent_path = "/api/v1/" + PLURALS[self.references[self.parent]].replace("_", "-")
        return f"{parent_path}/{{{self.parent}}}/{self.segment or self.path.rsplit('/', 1)[1]}"

    @property
    def item_path(self) -> str:
        return f"{self.path}/{{{self.id_param}}}"

    def scope(self, action: str) -> str:
        from contact_platform.entities.catalog import scope_resource

        return f"{scope_resource(self.name)}:{action}"

    @property
    def sort_fields(self) -> tuple[str, ...]:
        return (*SERVER_SORTS, *self.sort)

    def __post_init__(self) -> None:
        if len(self.sort) > 3:
            raise ValueError(f"{self.name}: at most three sort fields (GSI3, GSI6, GSI7)")

    def route_name(self, verb: str) -> str:
        """`create_organization`; the lists `list_organizations` and `list_deleted_organizations`."""
        return f"{verb}_{self.plural_name}" if verb in ("list", "list_deleted") else f"{verb}_{self.name}"
