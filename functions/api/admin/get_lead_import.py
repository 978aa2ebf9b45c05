"""GET /api/v1/admin/migration/leads/imports/{importId}: a lead migration's kept report, with the
external IDs to correct and send again."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.lead_migration import MigrationReport
from contact_platform.services import lead_migration


@endpoint("get_lead_import")
def get_lead_import(importId: str) -> MigrationReport:
    return lead_migration.get_report(caller(), importId)


handler = get_lead_import.handler
