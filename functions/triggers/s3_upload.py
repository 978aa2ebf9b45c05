"""S3 ObjectCreated in the uploads bucket: start the import of a file under tenants/<tenantId>/imports/."""

from typing import Any

from contact_platform.observability import lambda_handler
from contact_platform.services.imports import start_from_upload


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = []
    for record in event.get("Records", []):
        s3 = record.get("s3") or {}
        operation_id = start_from_upload(
            s3["bucket"]["name"], s3["object"]["key"], str(s3["object"].get("eTag") or s3["object"].get("sequencer"))
        )
        if operation_id:
            started.append(operation_id)
    return {"operations": started}
