"""POST /api/v1/admin/migration/leads/import: historical leads from older systems, a dry run first,
then all or nothing (docs/architecture.md, "Lead migration")."""

from contact_platform.http.endpoint import caller, endpoint, source_ip
from contact_platform.models.lead_migration import DryRunResult, MigrationRequest, ProductionResult
from contact_platform.services import lead_migration


@endpoint("import_leads")
def import_leads(body: MigrationRequest) -> DryRunResult | ProductionResult:
    return lead_migration.import_leads(caller(), body, source_ip())


handler = import_leads.handler
