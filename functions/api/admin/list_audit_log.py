"""GET /api/v1/admin/audit-log: the append-only trail, newest first (admins)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Query
from contact_platform.models.audit import AuditEntry, AuditLogQuery
from contact_platform.models.paging import Listing
from contact_platform.services import audit


@endpoint("list_audit_log")
def list_audit_log(query: Annotated[AuditLogQuery, Query()]) -> Listing[AuditEntry]:
    return audit.list_audit_log(
        caller(),
        query,
    )


handler = list_audit_log.handler
