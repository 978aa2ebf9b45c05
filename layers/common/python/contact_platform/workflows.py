"""THE workflow table: every asynchronous job, its steps and the triggers, listed once. From it

- CDK creates one function per step and trigger and the state machines (infra/workflows.py),
- the local stack registers the same functions and state machines (local/provision.py),
- a test checks that every `${...}` substitution of an ASL file names a step of its workflow.

Every job has the same shape (docs/architecture.md, Jobs): plan -> Map over chunks (process_chunk) -> finalize,
with a Catch on each step leading to mark_failed. The definitions are `infra/workflows/<name>.asl.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contact_platform.config import state_machine_env

ASL_DIRECTORY = Path(__file__).resolve().parents[4] / "infra" / "workflows"
STEP_NAMES = ("plan", "process_chunk", "finalize", "mark_failed")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


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
        return f"{_camel(self.name)}FunctionArn"

    @property
    def function_id(self) -> str:
        """A stable name for the function: `exports-plan`, `imports-process-chunk`, ..."""
        return f"{self.workflow}-{self.name}".replace("_", "-")


@dataclass(frozen=True)
class Workflow:
    name: str  # exports, imports, tagging
    summary: str

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(Step(self.name, step) for step in STEP_NAMES)

    @property
    def asl_path(self) -> Path:
        return ASL_DIRECTORY / f"{self.name}.asl.json"

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
    Workflow("exports", "Write a segment's contacts to a CSV or JSON Lines file"),
    Workflow("imports", "Create or update contacts from a CSV file"),
    Workflow("tagging", "Add a tag to a segment's contacts, or remove a deleted tag from every contact"),
)
WORKFLOWS_BY_NAME: dict[str, Workflow] = {workflow.name: workflow for workflow in WORKFLOWS}

S3_UPLOAD = Trigger("s3_upload", "Start an import for a file created under tenants/<tenantId>/imports/")
CLEANUP = Trigger("cleanup", "Purge expired soft-deleted contacts, expire export files, remove job scratch files")
TRIGGERS: tuple[Trigger, ...] = (S3_UPLOAD, CLEANUP)

# Input every execution starts with; the steps pass it along.
EXECUTION_INPUT_FIELDS = ("tenantId", "operationId")
