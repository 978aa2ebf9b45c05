"""POST /api/v1/imports: a CSV body (`Content-Type: text/csv`, up to 6 MB) starts an import at once; JSON
`{"fileName"}` returns a presigned upload URL, and the upload starts it (202 either way)."""

from typing import Annotated

from contact_platform.http.endpoint import caller, endpoint
from contact_platform.http.params import Body, Query
from contact_platform.http.request import csv_body
from contact_platform.models.operations import ImportAccepted, ImportQuery, ImportUpload
from contact_platform.services import imports


@endpoint("create_import")
def create_import(
    query: Annotated[ImportQuery, Query()], body: Annotated[ImportUpload | None, Body()] = None
) -> ImportAccepted:
    """Send the CSV as the body (`Content-Type: text/csv`, up to 6 MB), or JSON `{"fileName", "mode"}` for a
    presigned upload URL. The upload must carry `uploadHeaders` (the URL is signed over them; without
    them AWS answers 403); an upload that cannot be read fails the import with the reason in
    `failureReason` (a wrong content type, an empty object):

        curl -X PUT -H 'Content-Type: text/csv' --data-binary @big.csv "$uploadUrl"
    """
    return imports.create_import(caller(), query, body, csv_body())


handler = create_import.handler
