"""The README's "A sales pipeline in one go" runs as written: the block is read from README.md and
pasted into bash against the running stack, for a tenant of its own (its names are unique per
tenant), and every answer is the one its comment promises."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.xdist_group("stack")

README = Path(__file__).resolve().parents[2] / "README.md"


def _walkthrough() -> str:
    section = README.read_text().split("### A sales pipeline in one go", 1)[1]
    found = re.search(r"```bash\n(.*?)```", section, re.S)
    assert found is not None, "the section keeps its bash block"
    return found.group(1)


def _answers(printed: str) -> list[dict[str, Any]]:
    """The JSON answers curl printed one after the other (without newlines between them)."""
    decoder, answers, at = json.JSONDecoder(), [], 0
    while at < len(printed):
        answer, at = decoder.raw_decode(printed, at)
        answers.append(answer)
        while at < len(printed) and printed[at].isspace():
            at += 1
    return answers


def test_the_sales_pipeline_walkthrough_answers_as_its_comments_say(stack: Stack) -> None:
    made = requests.post(f"{stack.base_url}/dev/token", json={"role": "admin", "newTenant": True}, timeout=30)
    if made.status_code == 404:
        pytest.skip("the stage under test has dev mode off: no tenant of its own for the walkthrough")
    key = made.json()["data"]["apiKey"]
    environment = {"PATH": os.environ["PATH"], "KEY": key, "API": f"{stack.base_url}/api/v1"}
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _walkthrough()],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0 and not run.stderr, run.stderr
    activity, note, line, moved, open_summary, won, won_summary = _answers(run.stdout)
    assert all(answer["success"] for answer in (activity, note, line, moved, open_summary, won, won_summary))
    assert activity["data"]["dealId"] == note["data"]["dealId"] == line["data"]["dealId"] == moved["data"]["id"]
    assert line["data"]["total"] == 441  # total 441
    assert moved["data"]["value"] == 441 and moved["data"]["productCount"] == 1  # value 441 from its products
    assert open_summary["data"]["totals"] == [{"currency": "EUR", "count": 1, "value": 441, "weightedValue": 264.6}]
    assert won["data"]["status"] == "won" and won["data"]["wonAt"] == won["data"]["closedAt"] is not None
    assert won_summary["data"]["totals"] == [{"currency": "EUR", "count": 1, "value": 441, "weightedValue": 441}]
