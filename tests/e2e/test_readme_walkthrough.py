"""The README's walkthroughs run as written: each block is read from README.md and pasted into bash
against the running stack (a sales pipeline and the campaign exports for a tenant of their own: their
names are unique per tenant), and every answer is the one its comment promises: "A sales pipeline in
one go", "Campaign exports", "Bearer tokens (JWT) and supreme users"."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(heading: str) -> list[str]:
    """The bash blocks of a README section, in order."""
    section = re.split(r"\n#{2,6} ", README.read_text().split(f"\n### {heading}\n", 1)[1], maxsplit=1)[0]
    found = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert found, "the section keeps its bash blocks"
    return found


def _answers(printed: str) -> list[dict[str, Any]]:
    """The API's answers printed one after the other, in order (without newlines between them, and
    with whatever else a block prints between them: a status code, a file, a command's lines)."""
    decoder, answers, at = json.JSONDecoder(), [], printed.find('{"success"')
    while at >= 0:
        answer, end = decoder.raw_decode(printed, at)
        answers.append(answer)
        at = printed.find('{"success"', end)
    return answers


def _aws_endpoint(stack: Stack) -> str:
    """The emulator's address, as the running stack recorded it beside itself (`.cdp/local.json`)."""
    assert stack.output is not None
    endpoint: str = json.loads((stack.output.parent / ".cdp" / "local.json").read_text())["awsEndpoint"]
    return endpoint


def _run(block: str, environment: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block],
        env={"PATH": os.environ["PATH"], **environment},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_sales_pipeline_walkthrough_answers_as_its_comments_say(stack: Stack) -> None:
    made = requests.post(f"{stack.base_url}/dev/token", json={"role": "admin", "newTenant": True}, timeout=30)
    if made.status_code == 404:
        pytest.skip("the stage under test has dev mode off: no tenant of its own for the walkthrough")
    key = made.json()["data"]["apiKey"]
    run = _run(_blocks("A sales pipeline in one go")[0], {"KEY": key, "API": f"{stack.base_url}/api/v1"})
    assert run.returncode == 0 and not run.stderr, run.stderr
    activity, note, line, moved, open_summary, won, won_summary = _answers(run.stdout)
    assert all(answer["success"] for answer in (activity, note, line, moved, open_summary, won, won_summary))
    assert activity["data"]["dealId"] == note["data"]["dealId"] == line["data"]["dealId"] == moved["data"]["id"]
    assert line["data"]["total"] == 441  # total 441
    assert moved["data"]["value"] == 441 and moved["data"]["productCount"] == 1  # value 441 from its products
    assert open_summary["data"]["totals"] == [{"currency": "EUR", "count": 1, "value": 441, "weightedValue": 264.6}]
    assert won["data"]["status"] == "won" and won["data"]["wonAt"] == won["data"]["closedAt"] is not None
    assert won_summary["data"]["totals"] == [{"currency": "EUR", "count": 1, "value": 441, "weightedValue": 441}]


def test_the_campaign_exports_walkthrough_answers_as_its_comments_say(stack: Stack) -> None:
    """Run where the stack runs (its `.cdp/local.json`, which `cdp users` reads), on the stack's port,
    with this checkout's `cdp`: a new tenant's campaign, its entries and code wave, exports of three
    types, their list, and the CCPA erasure once its user is made supreme."""
    if stack.output is None:
        pytest.skip("the block makes a user supreme with the local stack's own command")
    block = _blocks("Campaign exports (the export service)")[0]
    block = block.replace("http://127.0.0.1:8000", stack.base_url)
    block = block.replace(".venv/bin/cdp", str(Path(sys.executable).parent / "cdp"))
    run = _run(block, {}, cwd=stack.output.parent)
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines() == [f"cdp users: the local stack at {_aws_endpoint(stack)}"], run.stderr
    entries, wave, finished, code_waves, per_market, listed, refused, erased = _answers(run.stdout)
    assert entries["data"]["count"] == 2 and wave["data"]["assigned"] == 2
    assert "}200\n" in run.stdout, "the same type again while it is queued: 200"
    assert finished["data"]["status"] == "FINISHED" and finished["data"]["count"] == 2
    assert finished["data"]["path"].startswith("http")
    assert "ada@example.com" in run.stdout and "bob@example.com" in run.stdout, "the file behind the path"
    assert (code_waves["data"]["exportType"], per_market["data"]["exportType"]) == ("codeWaves", "autoReminderEmail")
    assert {shown["exportType"] for shown in listed["data"]} == {"reminderEmail", "codeWaves", "autoReminderEmail"}
    assert refused["error"]["code"] == "INSUFFICIENT_PERMISSIONS"
    assert erased["data"] == {"message": "User exports deleted successfully"}


def test_the_bearer_token_and_supreme_user_walkthrough_answers_as_its_comments_say(stack: Stack) -> None:
    """A token of a new admin of the demo tenant reads and writes contacts; the dev issuer's key and
    the claims are public; made supreme by the local stack's command it reaches `GET /dev/supremes`
    with the same token, and no longer once revoked."""
    if stack.output is None:
        pytest.skip("the blocks run the local stack's own command and dev routes")
    tokens, supremes = _blocks("Bearer tokens (JWT) and supreme users")[:2]
    block = (tokens + supremes).replace("http://127.0.0.1:8000", stack.base_url)
    block = block.replace(".venv/bin/cdp", str(Path(sys.executable).parent / "cdp"))
    run = _run(block, {}, cwd=stack.output.parent)
    assert run.returncode == 0, run.stderr
    listed, created, claims, refused, allowed = _answers(run.stdout)
    user_id = json.loads((stack.output.parent / "token.json").read_text())["data"]["userId"]
    assert listed["success"] and created["data"]["name"] == "Made with a JWT"
    assert '"keys":' in run.stdout and claims["success"], "the issuer's key and the claims"
    assert refused["error"]["code"] == "INSUFFICIENT_PERMISSIONS" and allowed["success"]
    assert user_id in run.stdout.split(json.dumps(allowed, separators=(",", ":")))[-1], "listed as supreme"
