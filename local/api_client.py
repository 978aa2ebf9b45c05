"""A small client of the platform's API for the `cdp` commands (follows cursors, raises on errors)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

TIMEOUT_SECONDS = 30


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        error = body.get("error") or {}
        message = str(error.get("message"))
        # The details the message does not already say (a 422's message names its first problems).
        details = "; ".join(
            f"{detail.get('field')}: {detail.get('issue')}"
            for detail in error.get("details") or []
            if str(detail.get("issue")) not in message
        )
        super().__init__(f"{status} {error.get('code')}: {message}" + (f" ({details})" if details else ""))
        self.status = status
        self.body = body


class Unreachable(Exception):
    """Nothing answers at the client's base URL."""


class ApiClient:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def request(self, method: str, path: str, timeout: float = TIMEOUT_SECONDS, **kwargs: Any) -> Any:
        try:
            response = self.session.request(method, self.base_url + path, timeout=timeout, **kwargs)
        except requests.ConnectionError as error:
            raise Unreachable(self.base_url) from error
        body = response.json()
        if not response.ok:
            raise ApiError(response.status_code, body)
        return body

    def pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        while True:
            body = self.request("GET", path, params={**params, **({"cursor": cursor} if cursor else {})})
            yield from body["data"]
            cursor = body["meta"]["pagination"]["nextCursor"]
            if not cursor:
                return

    def deleted_contacts(self, deleted_since: str) -> list[dict[str, Any]]:
        params = {"deletedSince": deleted_since, "limit": "200"}
        return list(self.pages("/api/v1/admin/contacts/deleted", params))

    def restore_contact(self, contact_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.request("POST", f"/api/v1/admin/contacts/{contact_id}/restore")["data"]
        return body

    # Jobs ------------------------------------------------------------------------------------

    INLINE_LIMIT = 6 * 1024 * 1024

    def start_import(self, data: bytes, file_name: str, mode: str) -> dict[str, Any]:
        """Inline up to 6 MB; larger files go to the presigned upload URL (the upload starts the job)."""
        if len(data) < self.INLINE_LIMIT:
            headers = {"Content-Type": "text/csv"}
            params = {"mode": mode, "fileName": file_name}
            body: dict[str, Any] = self.request("POST", "/api/v1/imports", data=data, headers=headers, params=params)
            return dict(body["data"])
        started = self.request("POST", "/api/v1/imports", json={"fileName": file_name, "mode": mode})["data"]
        upload = requests.put(started["uploadUrl"], data=data, headers=started["uploadHeaders"], timeout=300)
        upload.raise_for_status()
        return dict(started)

    def start_export(self, segment_id: str, fmt: str, **options: Any) -> dict[str, Any]:
        """`options`: the export's `dialect` and `fields`, sent when not None."""
        sent = {name: value for name, value in options.items() if value is not None}
        body = self.request("POST", "/api/v1/exports", json={"segmentId": segment_id, "format": fmt, **sent})
        return dict(body["data"])

    def status(self, status_url: str) -> dict[str, Any]:
        return dict(self.request("GET", status_url)["data"])
