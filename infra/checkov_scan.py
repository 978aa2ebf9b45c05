"""checkov, an IaC scanner independent of cdk-nag, on the synthesized templates (docs/architecture.md,
Infrastructure): `python -m infra.checkov_scan cdk.out` prints every finding not suppressed in the CDK code
(`infra.nag.skip_checkov`) and fails when there is one. `make synth` runs it, and so does a test.

checkov pins its own dependencies (boto3 among them) at versions the platform's pins contradict, so it
lives in its own virtualenv, `.venv-checkov`, which the Makefile creates on first use.

The templates are scanned as copies under `templates/`: checkov's CloudFormation parser marks every mapping
with the file's path, and its Lambda secret check (CKV_AWS_45) reads that marker as an environment variable,
reporting a "secret" wherever a run of 40 path characters happens to end in a template's name
(`out/ContactPlatformApiTagsRoutesDBD39164`). Under `templates/` every such run is longer than 40.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from infra.settings import REPO_ROOT

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


class Finding(NamedTuple):
    check: str
    resource: str  # <type>.<logical id>
    template: str


def scan(directory: Path, checkov: Path = CHECKOV) -> list[Finding]:
    """Every failed checkov check on the `*.template.json` files in `directory`."""
    names = sorted(path.name for path in directory.glob("*.template.json"))
    if not names:
        raise ValueError(f"no templates in {directory}: synthesize first")
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "templates").mkdir()
        for name in names:
            shutil.copyfile(directory / name, Path(scratch) / "templates" / name)
        files = [argument for name in names for argument in ("--file", f"templates/{name}")]
        run = subprocess.run(
            [str(checkov), "--framework", "cloudformation", "--skip-download", "--compact", "--output", "json", *files],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        output = json.loads(run.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"checkov failed (exit {run.returncode}): {run.stderr[-2000:]}") from error
    reports: list[dict[str, Any]] = output if isinstance(output, list) else [output]
    return [
        Finding(failed["check_id"], failed["resource"], Path(failed["file_path"]).name)
        for report in reports
        for failed in report.get("results", {}).get("failed_checks", [])
    ]


def main(argv: list[str]) -> int:
    findings = scan(Path(argv[0]))
    for finding in findings:
        print(f"{finding.check} {finding.template}: {finding.resource}")
    if findings:
        counts = ", ".join(f"{check} {count}" for check, count in Counter(f.check for f in findings).most_common())
        print(f"checkov: {len(findings)} findings ({counts}); fix them or suppress each with its reason (infra/nag.py)")
        return 1
    print("checkov: no findings")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
