"""POST /api/v1/admin/migration/leads/import: historical leads from older systems, a dry run first,
then all or nothing (docs/architecture.md, "Lead migration")."""

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.models.lead_migration import DryRunResult, MigrationRequest, ProductionResult
from contact_platform.services import lead_migration


@endpoint("import_leads")
def import_leads(body: MigrationRequest) -> DryRunResult | ProductionResult:
    return lead_migration.import_leads(caller(), body)


handler = import_leads.handler
