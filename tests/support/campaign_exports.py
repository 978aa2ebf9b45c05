"""Campaign exports that stay queued: a campaign_exports state machine the in-process emulator keeps
RUNNING without executing it (tests of the queue, and of routes that only need an export to exist)."""

from __future__ import annotations

import os
from typing import Any
from unittest import mock

import boto3

from contact_platform.workflows import WORKFLOWS_BY_NAME
from local.resources import state_machine_arn, state_machine_name
from tests.support.fixtures import Api

HELD = '{"StartAt": "Held", "States": {"Held": {"Type": "Pass", "End": true}}}'


def held_campaign_exports() -> dict[str, str]:
    """Register the campaign_exports state machine (once per account): the environment naming it. In
    an account that does not execute state machines, its executions stay RUNNING."""
    workflow = WORKFLOWS_BY_NAME["campaign_exports"]
    states = boto3.client("stepfunctions")
    arn = state_machine_arn(workflow)
    if not any(machine["stateMachineArn"] == arn for machine in states.list_state_machines()["stateMachines"]):
        role = "arn:aws:iam::123456789012:role/held"
        states.create_state_machine(name=state_machine_name(workflow), definition=HELD, roleArn=role)
    return {workflow.state_machine_env: arn}


def queued_export(api: Api, key: str, campaign_id: str, export_type: str = "entries") -> dict[str, Any]:
    with mock.patch.dict(os.environ, held_campaign_exports()):
        reply = api.post(f"/api/v1/campaigns/{campaign_id}/exports", key=key, json={"exportType": export_type})
    assert reply.status in (200, 201), reply.body
    export: dict[str, Any] = reply.data
    return export
