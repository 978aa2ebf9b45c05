"""The API side: contacts over HTTP, one keep-alive `requests.Session` per worker thread."""

from __future__ import annotations

import threading
from typing import Any

import requests

from benchmarks.timing import CallFailed

FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas")
LAST_NAMES = (
    "Schmidt", "Bauer", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein",
    "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Hartmann", "Lange", "Krause", "Lehmann", "Kaiser",
)  # fmt: skip
PHONE_BASE = 1_000_000
PAGE_LIMIT = 200  # the API's largest page
TIMEOUT_SECONDS = 300


def contact_email(run: str, index: int) -> str:
    return f"{run}.{index}@example.com"


def contact_body(run: str, index: int) -> dict[str, Any]:
    """The `index`th contact of a run: a name, a unique email and a phone number."""
    first = FIRST_NAMES[index // len(LAST_NAMES) % len(FIRST_NAMES)]
    last = LAST_NAMES[index % len(LAST_NAMES)]
    return {
        "name": f"{first} {last}",
        "emails": [contact_email(run, index)],
        "phones": [f"+49 170 {PHONE_BASE + index}"],
    }


def searches(run: str, size: int) -> dict[str, str]:
    """Label -> prefix searched: one matching every contact, one matching every twentieth, one matching one."""
    return {
        "phone prefix (all)": "0170",
        f"last name (1 in {len(LAST_NAMES)})": LAST_NAMES[0][:4].lower(),
        "email (one)": contact_email(run, size // 2),
    }


def deal_body(run: str, index: int, pipeline_id: str, stage_id: str) -> dict[str, Any]:
    """The `index`th deal of a run, in the run's pipeline and stage."""
    value = 1000 + index % 97 * 250
    return {
        "title": f"{run} deal {index}",
        "value": value,
        "currency": "EUR",
        "pipelineId": pipeline_id,
        "stageId": stage_id,
    }


BENCH_BURST_LIMIT = 100_000  # requests a second: the largest the API accepts


def create_bench_key(base_url: str, admin_key: str, rate_limit: int) -> str:
    """A key of its own with rate and burst limits the benchmark cannot reach (the admin key allows
    1000 requests a window, 50 a second)."""
    response = requests.post(
        f"{base_url}/api/v1/api-keys",
        json={"name": "bench", "rateLimit": rate_limit, "burstLimit": BENCH_BURST_LIMIT},
        headers={"Authorization": f"Bearer {admin_key}"},
        timeout=TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    key: str = response.json()["data"]["key"]
    return key


class ApiClient:
    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self._headers = {"Authorization": f"Bearer {key}"}
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _call(
        self, method: str, path: str, expected: int, timeout: float = TIMEOUT_SECONDS, **kwargs: Any
    ) -> dict[str, Any]:
        response = self._session().request(
            method, self.base_url + path, headers=self._headers, timeout=timeout, **kwargs
        )
        if response.status_code != expected:
            code = response.json().get("error", {}).get("code", "") if response.content else ""
            raise CallFailed(f"{method} {response.status_code} {code}".strip())
        body: dict[str, Any] = response.json()
        return body

    def create(self, body: dict[str, Any], resource: str = "contacts") -> str:
        """The new record's id (a contact unless `resource` names another collection: `deals`)."""
        record_id: str = self._call("POST", f"/api/v1/{resource}", 201, json=body)["data"]["id"]
        return record_id

    def get(self, record_id: str, resource: str = "contacts") -> None:
        self._call("GET", f"/api/v1/{resource}/{record_id}", 200)

    def delete(self, record_id: str, resource: str = "contacts") -> None:
        self._call("DELETE", f"/api/v1/{resource}/{record_id}", 200)

    def list_page(self, cursor: str | None, resource: str = "contacts") -> tuple[int, str | None]:
        """One page of a list: how many records it held, and the cursor to the next."""
        params: dict[str, Any] = {"limit": PAGE_LIMIT} | ({"cursor": cursor} if cursor else {})
        body = self._call("GET", f"/api/v1/{resource}", 200, params=params)
        return len(body["data"]), body["meta"]["pagination"]["nextCursor"]

    def deal_summary(self) -> int:
        """How many deals the summary counts."""
        count: int = self._call("GET", "/api/v1/deals/summary", 200)["data"]["count"]
        return count

    def search(self, term: str) -> int:
        """How many contacts the first page of a search holds."""
        return len(self._call("GET", "/api/v1/contacts", 200, params={"search": term})["data"])

    def user_id(self) -> str:
        """The ID of the user the key acts as."""
        found: str = self._call("GET", "/api/v1/users/me", 200)["data"]["id"]
        return found

    def migrate_leads(self, body: dict[str, Any]) -> dict[str, Any]:
        """A lead migration's answer (a dry run or an import)."""
        result: dict[str, Any] = self._call("POST", "/api/v1/admin/migration/leads/import", 200, 300, json=body)["data"]
        return result

    def heartbeat(self, fresh_connection: bool) -> None:
        """GET /heartbeat on this thread's keep-alive session, or on a connection of its own."""
        if fresh_connection:
            requests.get(f"{self.base_url}/heartbeat", timeout=TIMEOUT_SECONDS).raise_for_status()
        else:
            self._call("GET", "/heartbeat", 200)
