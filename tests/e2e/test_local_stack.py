"""What only the local stack offers: docs, the `cdp` commands, a clean Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from contact_platform.routes import ROUTES
from tests.support.stack import Stack, cdp, free_port, serve, serve_environment

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


def _raw_get(base_url: str, target: bytes, key: str) -> dict[str, object]:
    """A GET whose request line carries `target` byte for byte (requests and http.client escape or
    refuse what is not ASCII; curl sends it as it is)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key.encode())
        conn.sendall(b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return dict(json.loads(answer.split(b"\r\n\r\n", 1)[1]))


def test_an_unescaped_utf8_query_is_read_as_utf8(stack: Stack) -> None:
    _local_only(stack)
    name = f"Grüßer{os.urandom(3).hex()}"
    created = stack.session().post(f"{stack.base_url}/api/v1/contacts", json={"firstName": "Jörg", "lastName": name})
    assert created.status_code == 201, created.text
    raw = _raw_get(stack.base_url, f"/api/v1/contacts?search={name}".encode(), stack.admin_key)
    assert [c["id"] for c in raw["data"]] == [created.json()["data"]["id"]]  # type: ignore[index]
    latin1 = _raw_get(stack.base_url, f"/api/v1/contacts?search={name}".encode("latin-1"), stack.admin_key)
    assert latin1["data"] == raw["data"]  # bytes that are not UTF-8 keep their Latin-1 reading


def test_cdp_contacts_restore_one_and_in_bulk(stack: Stack, tmp_path: Path) -> None:
    http = stack.session()
    ids = [
        http.post(f"{stack.base_url}/api/v1/contacts", json={"name": f"Restore {i}"}).json()["data"]["id"]
        for i in range(3)
    ]
    for contact_id in ids:
        assert http.delete(f"{stack.base_url}/api/v1/contacts/{contact_id}").status_code == 200
    duplicate, survivor = (
        http.post(f"{stack.base_url}/api/v1/contacts", json={"name": name}).json()["data"]["id"]
        for name in ("Merged Away", "Merge Survivor")
    )
    merge = http.post(f"{stack.base_url}/api/v1/contacts/{duplicate}/merge", json={"mergeWithId": survivor})
    assert merge.status_code == 200, merge.text
    connection = ("--base-url", stack.base_url, "--api-key", stack.admin_key)
    one = cdp("contacts", "restore", ids[0], *connection, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert f"restored {ids[0]}" in one.stdout
    assert http.get(f"{stack.base_url}/api/v1/contacts/{ids[0]}").status_code == 200
    deleted_at = http.get(f"{stack.base_url}/api/v1/admin/contacts/deleted", params={"limit": "200"}).json()["data"]
    since = min(c["deletedAt"] for c in deleted_at if c["id"] in ids[1:])
    bulk = cdp("contacts", "restore", "--deleted-since", since, *connection, cwd=tmp_path)
    assert bulk.returncode == 0, bulk.stderr
    assert f"skipped {duplicate}: merged into {survivor}" in bulk.stdout
    assert "2 restored, 1 merged skipped, 0 failed" in bulk.stdout
    assert http.get(f"{stack.base_url}/api/v1/contacts/{duplicate}").status_code == 404
    for contact_id in ids[1:]:
        assert http.get(f"{stack.base_url}/api/v1/contacts/{contact_id}").status_code == 200
    again = cdp("contacts", "restore", ids[0], *connection, cwd=tmp_path)
    assert again.returncode == 1 and "409 CONFLICT" in again.stderr


def test_serve_prints_its_key_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with serve(tmp_path) as (running, process):
        banner = (running.output or tmp_path).read_text()
        assert f"API:        {running.base_url}/api/v1" in banner
        assert f"Admin key:  {running.admin_key}" in banner
        listed = requests.get(
            f"{running.base_url}/api/v1/contacts", headers={"X-API-Key": running.admin_key}, timeout=30
        )
        assert listed.ok
        request_id = listed.headers["X-Request-Id"]
        line = rf"\d\d:\d\d:\d\d GET /api/v1/contacts 200 \d+ ms {request_id}\n"
        deadline = time.monotonic() + 10  # written just after the answer is sent
        while not re.search(line, (running.output or tmp_path).read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert re.search(line, (running.output or tmp_path).read_text()), "a line for each request answered"
        state = json.loads((tmp_path / ".cdp" / "local.json").read_text())
        assert state["apiKey"] == running.admin_key and state["baseUrl"] == running.base_url
        assert state["awsEndpoint"].startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    log = (running.output or tmp_path).read_text()
    assert "Stopped." in log and "Traceback" not in log
    assert not (tmp_path / ".cdp" / "local.json").exists(), "the record goes with the stack"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{running.base_url}/heartbeat", timeout=5)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An AWS endpoint that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_serve_answers_before_the_data_plane_does_and_sigterm_removes_its_record(
    tmp_path: Path, silent_endpoint: str
) -> None:
    """HTTP comes first: the heartbeat answers while provisioning still waits for the endpoint; API
    requests wait for it. SIGTERM ends the stack at once, without its record. (`--quiet`: no line
    for each request.)"""
    with serve(tmp_path, "--aws-endpoint", silent_endpoint, "--quiet") as (running, process):
        assert requests.get(f"{running.base_url}/heartbeat", timeout=10).status_code == 200
        assert "GET /heartbeat" not in (running.output or tmp_path).read_text(), "--quiet: no request lines"
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{running.base_url}/api/v1/contacts", headers={"X-API-Key": running.admin_key}, timeout=2)
        assert (tmp_path / ".cdp" / "local.json").exists()
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        stopped_in = time.monotonic() - began
    assert not (tmp_path / ".cdp" / "local.json").exists()
    assert "Stopped." in (running.output or tmp_path).read_text()
    assert stopped_in < 5, f"stopped in {stopped_in:.1f} s"


@pytest.fixture
def separate_moto(tmp_path: Path) -> Iterator[str]:
    """A moto server in a process of its own (LocalStack's stand-in): its endpoint."""
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port)],
        env=serve_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for(endpoint)
        yield endpoint
    finally:
        emulator.terminate()
        emulator.wait(timeout=20)


def test_serve_against_another_aws_endpoint(tmp_path: Path, separate_moto: str) -> None:
    """`--aws-endpoint` puts the data on that endpoint (LocalStack in practice; a moto server here)."""
    endpoint = separate_moto
    with serve(tmp_path, "--aws-endpoint", endpoint) as (running, _):
        banner = (running.output or tmp_path).read_text()
        assert f"AWS:        {endpoint} (external endpoint)" in banner
        created = running.session().post(f"{running.base_url}/api/v1/contacts", json={"name": "Elsewhere"})
        assert created.status_code == 201, created.text
        table = boto3.client("dynamodb", endpoint_url=endpoint, region_name="eu-central-1")
        item = table.get_item(
            TableName="contact-platform",
            Key={"PK": {"S": f"TENANT#ten_demo#CONTACT#{created.json()['data']['id']}"}, "SK": {"S": "CONTACT"}},
        )
        assert item["Item"]["name"] == {"S": "Elsewhere"}
        buckets = {b["Name"] for b in boto3.client("s3", endpoint_url=endpoint).list_buckets()["Buckets"]}
        assert {"contact-platform-uploads", "contact-platform-exports"} <= buckets
        assert {"contact-platform-scoring", "contact-platform-vf-scoring", "contact-platform-sfmc"} <= buckets
        # No functions are registered there: `cdp cleanup` runs the handler itself, as serve does.
        cleanup = cdp("cleanup", cwd=tmp_path)
        assert cleanup.returncode == 0, cleanup.stderr
        assert isinstance(json.loads(cleanup.stdout), dict)


# Run in a process of its own: the stack of `cdp serve --aws-endpoint`, one request through it,
# then what of moto is patched (every attribute an adapter of local/emulator/ replaces).
UNPATCHED_CHECK = """
import json, os, sys
import requests
from local.stack import DevStack
stack = DevStack(port=0, aws_endpoint=sys.argv[1], cleanup_interval=0)
running = stack.start()
stack.wait_until_ready()
reply = requests.post(running.base_url + "/api/v1/contacts", json={"name": "Unpatched"},
                      headers={"X-API-Key": running.admin_key}, timeout=60)
loaded = sorted(name for name in sys.modules if name.startswith("local.emulator") or name == "moto.server")
import copy, moto.backends
from moto.awslambda.models import LambdaFunction
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
targets = [LambdaFunction._invoke_lambda, LambdaFunction.invoke, DynamoDBBackend.transact_write_items,
           DynamoDBBackend.update_item, Table.query, Table.all_items, Table.put_item, Table.delete_item,
           Item.__init__, DynamoResult.execute_result, moto.backends.list_of_moto_modules,
           AmazonStateLanguageParser.parse, DynamoHandler.call_action]
patched = [f.__qualname__ for f in targets if not f.__module__.startswith("moto.")]
if dynamodb_models.copy is not copy:
    patched.append("moto.dynamodb.models.copy")
print(json.dumps({"status": reply.status_code, "loaded": loaded, "patched": patched}))
os._exit(0)
"""


def test_serve_with_aws_endpoint_runs_handlers_without_any_moto_patch(tmp_path: Path, separate_moto: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", UNPATCHED_CHECK, separate_moto],
        cwd=tmp_path,
        env={**serve_environment(), "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"status": 201, "loaded": [], "patched": []}


def _wait_for(endpoint: str) -> None:
    for _ in range(100):
        try:
            requests.get(endpoint, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{endpoint} did not come up")


def test_cdp_bootstrap_admin_creates_a_tenants_first_key(stack: Stack, tmp_path: Path) -> None:
    _local_only(stack)
    banner = (stack.output or tmp_path).read_text()
    endpoint = banner.split("AWS:", 1)[1].split()[0]
    environment = {**serve_environment(), "AWS_ENDPOINT_URL": endpoint, "TABLE_NAME": "contact-platform"}
    environment |= {"CURSOR_SECRET_ARN": "contact-platform/cursor-key", "AWS_DEFAULT_REGION": "eu-central-1"}
    environment |= {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    command = ["bootstrap-admin", "--tenant-id", "ten_bootstrapped", "--name", "Boot GmbH", "--email", "a@boot.example"]
    done = subprocess.run(
        [sys.executable, "-m", "local.cli", *command], env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    key = done.stdout.split("admin key (shown once): ", 1)[1].strip()
    http = stack.session(key)
    created = http.post(f"{stack.base_url}/api/v1/contacts", json={"name": "First of Boot"})
    assert created.status_code == 201
    audit = http.get(f"{stack.base_url}/api/v1/admin/audit-log", params={"action": "tenant.created"}).json()["data"]
    assert [entry["entityId"] for entry in audit] == ["ten_bootstrapped"]
    assert created.json()["data"]["id"] not in str(stack.session().get(f"{stack.base_url}/api/v1/contacts").json())


def _aws_endpoint(stack: Stack, tmp_path: Path) -> str:
    return (stack.output or tmp_path).read_text().split("AWS:", 1)[1].split()[0]


def test_cdp_cleanup_runs_the_scheduled_cleanup_now(stack: Stack, tmp_path: Path) -> None:
    _local_only(stack)
    done = cdp("cleanup", "--aws-endpoint", _aws_endpoint(stack, tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert isinstance(counts, dict) and all(isinstance(n, int) for n in counts.values()), counts
    bad = cdp("cleanup", "--now", "next tuesday", cwd=tmp_path)
    assert bad.returncode == 2 and "not an ISO 8601 date or date-time: 'next tuesday'" in bad.stderr


def test_the_local_stack_has_the_jobs_resources(stack: Stack, tmp_path: Path) -> None:
    _local_only(stack)
    assert stack.session().get(f"{stack.base_url}/api/v1/imports", timeout=120).status_code == 200
    endpoint = _aws_endpoint(stack, tmp_path)  # a job route has waited for them: they are there
    states = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="eu-central-1")
    names = {machine["name"] for machine in states.list_state_machines()["stateMachines"]}
    assert names == {"cdp-exports", "cdp-imports", "cdp-tagging", "cdp-moves", "cdp-campaign-exports"}
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-central-1")
    [target] = s3.get_bucket_notification_configuration(Bucket="contact-platform-uploads")[
        "LambdaFunctionConfigurations"
    ]
    assert target["LambdaFunctionArn"].endswith(":function:cdp-s3-upload")
