"""What only the local stack offers: docs, the `cdp` commands, a clean Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from contact_platform.routes import ROUTES
from tests.support.stack import Stack, serve, serve_environment

pytestmark = pytest.mark.xdist_group("stack")


def _local_only(stack: Stack) -> None:
    if stack.output is None:
        pytest.skip("CDP_E2E_BASE_URL points at a deployed stage: it has no /docs")


def test_swagger_ui_renders_from_local_assets(stack: Stack) -> None:
    _local_only(stack)
    page = requests.get(f"{stack.base_url}/docs", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert 'src="/docs/swagger-ui-bundle.min.js"' in page.text and "https://" not in page.text
    script = requests.get(f"{stack.base_url}/docs/swagger-ui-bundle.min.js", timeout=30)
    assert script.status_code == 200 and len(script.content) > 100_000
    assert requests.get(f"{stack.base_url}/docs/swagger-ui.min.css", timeout=30).status_code == 200
    document = requests.get(f"{stack.base_url}/openapi.json", timeout=30).json()
    assert {(m.upper(), p) for p, ops in document["paths"].items() for m in ops} == {(r.method, r.path) for r in ROUTES}


def _cdp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local.cli", *args],
        cwd=cwd,
        env=serve_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cdp_contacts_restore_one_and_in_bulk(stack: Stack, tmp_path: Path) -> None:
    http = stack.session()
    ids = [
        http.post(f"{stack.base_url}/api/v1/contacts", json={"name": f"Restore {i}"}).json()["data"]["id"]
        for i in range(3)
    ]
    for contact_id in ids:
        assert http.delete(f"{stack.base_url}/api/v1/contacts/{contact_id}").status_code == 200
    connection = ("--base-url", stack.base_url, "--api-key", stack.admin_key)
    one = _cdp("contacts", "restore", ids[0], *connection, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert f"restored {ids[0]}" in one.stdout
    assert http.get(f"{stack.base_url}/api/v1/contacts/{ids[0]}").status_code == 200
    deleted_at = http.get(f"{stack.base_url}/api/v1/admin/contacts/deleted", params={"limit": "200"}).json()["data"]
    since = min(c["deletedAt"] for c in deleted_at if c["id"] in ids[1:])
    bulk = _cdp("contacts", "restore", "--deleted-since", since, *connection, cwd=tmp_path)
    assert bulk.returncode == 0, bulk.stderr
    for contact_id in ids[1:]:
        assert http.get(f"{stack.base_url}/api/v1/contacts/{contact_id}").status_code == 200
    again = _cdp("contacts", "restore", ids[0], *connection, cwd=tmp_path)
    assert again.returncode == 1 and "409 CONFLICT" in again.stderr


def test_serve_prints_its_key_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with serve(tmp_path) as (running, process):
        banner = (running.output or tmp_path).read_text()
        assert f"API:        {running.base_url}/api/v1" in banner
        assert f"Admin key:  {running.admin_key}" in banner
        assert requests.get(
            f"{running.base_url}/api/v1/contacts", headers={"X-API-Key": running.admin_key}, timeout=30
        ).ok
        state = (tmp_path / ".cdp" / "local.json").read_text()
        assert running.admin_key in state
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    log = (running.output or tmp_path).read_text()
    assert "Stopped." in log and "Traceback" not in log
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{running.base_url}/heartbeat", timeout=5)
