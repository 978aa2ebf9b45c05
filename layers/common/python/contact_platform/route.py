"""One route of the API: what the route table (`routes.py`) lists for each, and where its handler lives."""

from __future__ import annotations

import functools
import re
from dataclasses import KW_ONLY, dataclass

# The permission of the routes only supreme users may call (`Route.supreme`): a platform-level flag
# (services/supremes.py), never a scope a key or token carries.
SUPREME_PERMISSION = "platform:supreme"
# The permission of the routes every authenticated caller may call whatever scopes it holds
# (`GET /users/me`: who the key acts as, which a partner needs as much as an admin): no scope either.
ANY_CALLER = "platform:authenticated"


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    resource: str
    permission: str | None  # None: public, no authorizer
    summary: str
    _: KW_ONLY
    status: int = 200
    # Another success status the handler may answer with (`http.endpoint.WithStatus`): a campaign
    # export already queued is answered 200 where a new one is 201.
    also_status: int | None = None
    dev_only: bool = False
    # The job whose state machine this route starts or whose files it signs URLs for (None: neither).
    workflow: str | None = None
    # Also takes a `text/csv` body (up to 6 MB) besides JSON.
    csv_body: bool = False
    # Takes a JSON body up to 6 MB (Lambda's payload limit; the lead migration's 1,000 leads with
    # their histories) instead of 1 MB.
    large_json_body: bool = False
    # Sends messages to the webhook delivery queue (test events, redeliveries).
    webhook_queue: bool = False
    # Seals new webhook signing secrets with the platform's KMS key (kms:Encrypt; webhooks/sealing.py).
    seals_webhook_secrets: bool = False
    # The declared entity whose generic handler serves the route (entities/), None: a handler file.
    entity: str | None = None
    # Only supreme users (services/supremes.py): authenticated, then one GetItem of the caller's flag
    # instead of the scope check (403 otherwise). Its permission is SUPREME_PERMISSION.
    supreme: bool = False
    # Where a 201 answer's record is read: the path of its GET route, whose ID placeholder the answer's
    # `id` fills and the others the request's path parameters: the `Location` header (http/endpoint.py).
    location: str | None = None

    def __post_init__(self) -> None:
        if self.supreme != (self.permission == SUPREME_PERMISSION):
            raise ValueError(f"{self.name}: a supreme route, and only one, has the permission {SUPREME_PERMISSION}")

    # Reads the platform's metric totals back from CloudWatch on AWS (`GET /metrics`, docs/architecture.md,
    # "Metrics"): CloudWatch reads and the metrics item instead of the table's records.
    reads_metrics: bool = False

    @property
    def handler_module(self) -> str:
        if self.entity is not None:
            return "functions.api.entity_routes"
        return f"functions.api.{self.resource}.{self.name}"

    @property
    def handler(self) -> str:
        """What Lambda calls: `handler` of the route's own module, or the route's name in the module of
        the entities' routes (each name is that route's endpoint)."""
        return f"{self.handler_module}.{self.name if self.entity else 'handler'}"

    @property
    def public(self) -> bool:
        return self.permission is None

    @property
    def any_caller(self) -> bool:
        return self.permission == ANY_CALLER

    @functools.cached_property
    def path_pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")
