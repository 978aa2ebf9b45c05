"""THE workflow table: every asynchronous job, its steps and the triggers, listed once. From it

- CDK creates one function per step and trigger and the state machines (infra/workflows.py),
- the local stack registers the same functions and state machines (local/provision.py),
- a test checks that every `${...}` substitution of a definition names a step of its workflow.

Every job has the same shape (docs/architecture.md, Jobs): plan -> Map over chunks (process_chunk) -> finalize,
with a Catch on each step leading to mark_failed. So every job runs one definition, `infra/workflows/
chunked_job.asl.json`, with its own `${Comment}` and `${MaxConcurrency}` filled in here (`Workflow.template`);
the deployment fills in each step's `${<Step>FunctionArn}`. The service integrations keep `arn:aws:states:::`:
cfn-lint's definition schema accepts no other partition (a `${Partition}` there fails its E3601).
"""

from __future__ import annotations

import json
import re
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any

from contact_platform.config import state_machine_env
from contact_platform.names import pascal

ASL_DIRECTORY = Path(__file__).resolve().parents[4] / "infra" / "workflows"
ASL_FILE = "chunked_job.asl.json"
STEP_NAMES = ("plan", "process_chunk", "finalize", "mark_failed")
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def _substitute(value: Any, values: dict[str, Any]) -> Any:
    """`value` (parsed JSON) with each `${name}` of `values` replaced; a string that is one placeholder
    only takes the value's own type (`"${MaxConcurrency}"` -> 10), so the file stays valid JSON."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole[1] in values:
            return values[whole[1]]
        return PLACEHOLDER.sub(lambda found: str(values.get(found[1], found[0])), value)
    if isinstance(value, dict):
        return {key: _substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    return value


@dataclass(frozen=True)
class Step:
    workflow: str
    name: str

    @property
    def handler(self) -> str:
        return f"functions.workflows.{self.workflow}.{self.name}.handler"

    @property
    def substitution(self) -> str:
        """The name of the `${...}` placeholder for this step's function ARN in the ASL file."""
        return f"{pascal(self.name)}FunctionArn"

    @property
    def function_id(self) -> str:
        """A stable name for the function: `exports-plan`, `imports-process-chunk`, ..."""
        return f"{self.workflow}-{self.name}".replace("_", "-")


@dataclass(frozen=True)
class Workflow:
    name: str  # exports, imports, tagging, moves
    summary: str
    _: KW_ONLY
    comment: str  # the definition's Comment: what the steps do for this job
    max_concurrency: int  # chunks processed at once (the Map's MaxConcurrency)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(Step(self.name, step) for step in STEP_NAMES)

    @property
    def asl_path(self) -> Path:
        """The definition every job runs (the same file for all)."""
        return ASL_DIRECTORY / ASL_FILE

    def template(self) -> str:
        """This job's definition: the shared file with its Comment and MaxConcurrency filled in; the steps'
        `${<Step>FunctionArn}` remain for the deployment to substitute."""
        values: dict[str, Any] = {"Comment": self.comment, "MaxConcurrency": self.max_concurrency}
        return json.dumps(_substitute(json.loads(self.asl_path.read_text()), values), indent=2) + "\n"

    @property
    def state_machine_env(self) -> str:
        return state_machine_env(self.name)


@dataclass(frozen=True)
class Trigger:
    name: str  # s3_upload, cleanup
    summary: str

    @property
    def handler(self) -> str:
        return f"functions.triggers.{self.name}.handler"

    @property
    def function_id(self) -> str:
        return self.name.replace("_", "-")


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        "exports",
        "Write a segment's contacts to a CSV or JSON Lines file",
        comment="Export: plan the segment's contact IDs into chunks, write each chunk's rows, concatenate them "
        "into one file.",
        max_concurrency=10,
    ),
    Workflow(
        "imports",
        "Create or update contacts from a CSV file",
        comment="Import: check and split the CSV into chunks, create or update each chunk's contacts, merge counts "
        "and error reports.",
        max_concurrency=4,  # under a list-index key's write limit (docs/architecture.md, Jobs)
    ),
    Workflow(
        "tagging",
        "Add a tag to a segment's contacts, or remove a deleted tag from every contact",
        comment="Tagging: plan the contacts (a segment, or every holder of a deleted tag) into chunks, tag or untag "
        "each chunk, sum the counts.",
        max_concurrency=10,
    ),
    Workflow(
        "moves",
        "Move the records that referenced a deleted or merged record (when there are more than 100)",
        comment="Moves: plan the records that reference the record deleted or merged into chunks, move each "
        "chunk's records, sum the counts.",
        max_concurrency=4,
    ),
    Workflow(
        "campaign_exports",
        "Write one of a campaign's typed exports (campaign_export_types.py) to its bucket",
        comment="Campaign export: plan the entries or code assignments the type keeps into chunks, write each "
        "chunk's rows, join them into the type's file (or one per market) in its bucket.",
        max_concurrency=10,
    ),
)
WORKFLOWS_BY_NAME: dict[str, Workflow] = {workflow.name: workflow for workflow in WORKFLOWS}

S3_UPLOAD = Trigger("s3_upload", "Start an import for a file created under tenants/<tenantId>/imports/")
CLEANUP = Trigger("cleanup", "Purge expired soft-deleted contacts, expire export files, remove job scratch files")
EVENT_DISPATCHER = Trigger("event_dispatcher", "Queue a webhook delivery for each event on the table's stream")
WEBHOOK_DELIVERY = Trigger("webhook_delivery", "Deliver queued events to webhooks, signed, with retries")
TRIGGERS: tuple[Trigger, ...] = (S3_UPLOAD, CLEANUP, EVENT_DISPATCHER, WEBHOOK_DELIVERY)

# Input every execution starts with; the steps pass it along.
EXECUTION_INPUT_FIELDS = ("tenantId", "operationId")
