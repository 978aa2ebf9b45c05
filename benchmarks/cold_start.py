"""Cold start: the CPU time a fresh interpreter spends until one handler module of each kind is
imported, next to a bare `import boto3` measured in the same run, alternating, so both see the same
machine.

Two figures per kind, each the median over `runs` pairs of subprocesses (the module's, then the bare
import's) of the ratio of their user + system CPU times: CPU, not wall time, so a busy neighbour moves
it less, and pair by pair, so a drift of the machine's speed during the run falls on both sides.

- ready: from the interpreter's start until the import returns (`time.process_time()` read in the
  child right after it), which is what Lambda's init phase runs before the first invocation. The
  goal is judged on it.
- process: the whole process, its exit included (the kernel's child accounting). Exiting is no part
  of a cold start, but the figures of earlier runs (benchmarks/README.md) were taken this way.

Bytecode is compiled first, as pip does for boto3, so neither side pays for compiling source. Tracing
is off, as in the local stack and wherever `POWERTOOLS_TRACE_DISABLED` is true; the "GET, tracing on"
row shows what X-Ray adds where a deployed function has it on (docs/architecture.md, "Cold start").
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "boto3"
# (route kind, module, tracing on)
KINDS: tuple[tuple[str, str, bool], ...] = (
    ("GET", "functions.api.contacts.get_contact", False),
    ("entity GET", "functions.api.entity_routes:get_organization", False),
    ("list", "functions.api.contacts.list_contacts", False),
    ("POST", "functions.api.contacts.create_contact", False),
    ("job step", "functions.workflows.imports.process_chunk", False),
    ("authorizer", "functions.triggers.authorizer", False),
    ("GET, tracing on", "functions.api.contacts.get_contact", True),
)
GOAL_RATIO = 1.6


@dataclass(frozen=True)
class ColdStart:
    kind: str
    module: str
    ready: float  # median CPU seconds from the interpreter's start until the module is imported
    baseline_ready: float  # the same for `import boto3` in the same run
    ratio: float  # median of the pairs' ready / baseline_ready
    process_ratio: float  # median of the pairs' whole-process ratio, exit included


def _environment(tracing: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_FUNCTION_NAME", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "layers" / "common" / "python"), str(REPO)])
    env.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    env["POWERTOOLS_TRACE_DISABLED"] = "false" if tracing else "true"
    if tracing:
        env["AWS_LAMBDA_FUNCTION_NAME"] = "cold-start-bench"
    return env


def _cpu_seconds(module: str, env: dict[str, str]) -> tuple[float, float]:
    """(ready, process) for one fresh interpreter. `module:attribute` reads the attribute too (an
    entity's route: its endpoint is built on access)."""
    name, _, attribute = module.partition(":")
    script = (
        f"import {name}" + (f"; {name}.{attribute}" if attribute else "") + "; import time; print(time.process_time())"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(done.stdout), (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_cold_starts(runs: int = 11) -> list[ColdStart]:
    """Round-robin: every run measures every kind, each next to a bare import, so a burst of load on
    the machine falls on all kinds alike instead of on the one measured at that moment."""
    for folder in (REPO / "layers" / "common" / "python" / "contact_platform", REPO / "functions"):
        compileall.compile_dir(folder, quiet=1)
    environments = [_environment(tracing) for _, _, tracing in KINDS]
    for (_, module, _), env in zip(KINDS, environments, strict=True):
        _cpu_seconds(module, env)  # warm the page cache for both
        _cpu_seconds(BASELINE, env)
    ours: list[list[tuple[float, float]]] = [[] for _ in KINDS]
    bare: list[list[tuple[float, float]]] = [[] for _ in KINDS]
    for _ in range(runs):
        for index, ((_, module, _), env) in enumerate(zip(KINDS, environments, strict=True)):
            ours[index].append(_cpu_seconds(module, env))
            bare[index].append(_cpu_seconds(BASELINE, env))

    def paired(index: int, figure: int) -> float:
        return statistics.median(a[figure] / b[figure] for a, b in zip(ours[index], bare[index], strict=True))

    def median(samples: list[tuple[float, float]]) -> float:
        return statistics.median(sample[0] for sample in samples)

    return [
        ColdStart(kind, module, median(ours[i]), median(bare[i]), paired(i, 0), paired(i, 1))
        for i, (kind, module, _) in enumerate(KINDS)
    ]


def render_cold_starts(results: list[ColdStart]) -> list[str]:
    lines = [
        f"Cold start: CPU time until a handler module is imported / the same for a bare `import {BASELINE}`",
        "(ready: interpreter start + import, as in Lambda's init phase; process: the whole process, exit",
        "included), same run, median of the runs' paired ratios",
        f"{'kind':<16} {'module':<44} {'ready s':>8} {'boto3 s':>8} {'ratio':>6}  {'process':>7}"
        f"  goal <= {GOAL_RATIO}x (ready)",
    ]
    for result in results:
        held = "" if result.kind.endswith("tracing on") else ("holds" if result.ratio <= GOAL_RATIO else "MISSED")
        lines.append(
            f"{result.kind:<16} {result.module:<44} {result.ready:>8.3f} {result.baseline_ready:>8.3f} "
            f"{result.ratio:>5.2f}x  {result.process_ratio:>6.2f}x  {held}"
        )
    return [*lines, ""]


if __name__ == "__main__":
    print("\n".join(render_cold_starts(measure_cold_starts())))
