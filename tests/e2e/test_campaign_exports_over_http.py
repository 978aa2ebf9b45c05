"""The export service over real HTTP on `cdp serve`, as its issue's user would go: a bearer token from
`POST /dev/token`, a campaign with entries and a code wave, each of the fifteen export types queued
and polled to FINISHED, every file downloaded from its signed `path` (or found under its `key` for
the file per market), the same export answered with 200 while it is queued, and the CCPA erasure by
a supreme user set with `cdp users set-supreme`; `/metrics` counts the exports."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from contact_platform.campaign_export_types import EXPORT_TYPES
from local.resources import SFMC_BUCKET
from tests.support.stack import Stack, cdp

pytestmark = pytest.mark.xdist_group("stack")
TIMEOUT = 60


def _call(stack: Stack, token: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, f"{stack.base_url}/api/v1{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def _created(reply: requests.Response) -> dict[str, Any]:
    assert reply.status_code == 201, reply.text
    data: dict[str, Any] = reply.json()["data"]
    return data


def _finished(stack: Stack, token: str, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        data: dict[str, Any] = _call(stack, token, "GET", path).json()["data"]
        if data["status"] in ("FINISHED", "FAILED"):
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.2)


def test_every_export_type_over_http_then_the_users_exports_erased(stack: Stack, tmp_path: Path) -> None:
    if stack.output is None:
        pytest.skip("CDP_E2E_BASE_URL points at a deployed stage: supreme users are set on its table by hand")
    answer = requests.post(f"{stack.base_url}/dev/token", json={"role": "admin", "newTenant": True}, timeout=TIMEOUT)
    issued = answer.json()["data"]
    token = issued["accessToken"]
    campaign = _created(
        _call(stack, token, "POST", "/campaigns", json={"name": "Tour", "market": "DE", "markets": ["AT"]})
    )
    contacts = [
        _created(
            _call(
                stack,
                token,
                "POST",
                "/contacts",
                json={"name": f"Fan {n}", "emails": [f"fan{n}@example.com"], "phones": [f"+49 151 10000{n:02d}"]},
            )
        )
        for n in range(4)
    ]
    entries = [
        {
            "contactId": contact["id"],
            "market": market,
            "status": "verified",
            "score": 10 * n,
            "optIns": dict.fromkeys(("artistEmail", "artistSms", "livenation", "promoterEmail"), True),
        }
        for n, (contact, market) in enumerate(zip(contacts, ("DE", "AT", "DE", "FR"), strict=True))
    ]
    base = f"/campaigns/{campaign['id']}"
    assert _call(stack, token, "POST", f"{base}/entries/batch", json={"entries": entries}).status_code == 201
    wave = _call(
        stack, token, "POST", f"{base}/code-waves", json={"dateKey": "2026-12-01", "codes": ["A", "B", "C", "D", "E"]}
    )
    assert wave.status_code in (200, 201) and wave.json()["data"]["assigned"] == 4, wave.text

    queued = {}
    for name in EXPORT_TYPES:
        body = {"exportType": name, **({"dateKey": "2026-12-01"} if EXPORT_TYPES[name].needs_date_key else {})}
        queued[name] = _created(_call(stack, token, "POST", f"{base}/exports", json=body))
    again = _call(stack, token, "POST", f"{base}/exports", json={"exportType": "entries"})
    assert again.status_code in (200, 201), again.text  # 200 while the first is queued or running
    if again.status_code == 200:
        assert again.json()["data"]["id"] == queued["entries"]["id"]

    endpoint = stack.output.read_text().split("AWS:", 1)[1].split()[0]
    s3 = boto3.client("s3", endpoint_url=endpoint)
    for name, export in queued.items():
        done = _finished(stack, token, f"{base}/exports/{export['id']}")
        assert done["status"] == "FINISHED", done
        if EXPORT_TYPES[name].per_market:
            listed = s3.list_objects_v2(Bucket=SFMC_BUCKET, Prefix=done["key"])["Contents"]
            assert done["path"] is None and sorted(item["Key"] for item in listed) == done["files"]
            assert [key.rsplit("/", 1)[1] for key in done["files"]] == ["AT.csv", "DE.csv"]
            continue
        rows = list(csv.reader(io.StringIO(requests.get(done["path"], timeout=TIMEOUT).text)))
        assert rows[0] == EXPORT_TYPES[name].headers and len(rows) - 1 == done["count"], name
    assert queued["entries"]["requesterUserId"] == issued["userId"]

    metrics = requests.get(f"{stack.base_url}/metrics", timeout=TIMEOUT).text
    assert 'export_type="fanlist",status="FINISHED"' in metrics

    erase = f"/ccpa/users/{issued['userId']}"
    assert _call(stack, token, "DELETE", erase).status_code == 403
    flagged = cdp("users", "set-supreme", issued["userId"], "--aws-endpoint", endpoint, cwd=tmp_path)
    assert flagged.returncode == 0, flagged.stderr
    erased = _call(stack, token, "DELETE", erase)
    assert erased.status_code == 200 and erased.json()["data"] == {"message": "User exports deleted successfully"}
    left = {
        item["exportType"]
        for item in _call(stack, token, "GET", f"{base}/exports", params={"limit": 50}).json()["data"]
    }
    assert left == {"verifiedEntries", "scoring", "autoReminderEmail"}
