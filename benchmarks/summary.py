"""The speed goals, judged on the figures a run collected: the last screen of `make bench`.

Each goal reads every value of its figure from the Report (one per size run) and keeps the worst:
the highest ratio or time, the lowest rate. A goal is `ok` when that worst value holds, `MISSED`
when it does not or when a job of it did not finish (or an API call of it failed, or a webhook
event did not arrive or did not verify, or a campaign export's file did not hold the rows seeded),
`not run` when the run measured nothing for it (a part skipped, the 100,000-row sizes not asked
for, the API part run at another --concurrency than the goal's 4 threads, or fewer than two
campaign sizes of more than one chunk). benchmarks/README.md, "Speed goals".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmarks.report import CREATE, DELETE, GET, Report
from benchmarks.throughput import THREADS

if TYPE_CHECKING:
    from benchmarks.jobs import JobRun, JobSize, RawRun

API_THREADS = 4
LARGE_ROWS = 100_000

# A value and where it was measured ("R = 2000"); None: that job did not finish, or API calls failed.
Found = tuple[float | None, str]


@dataclass(frozen=True)
class Goal:
    figure: str
    limit: float
    unit: str  # "x" (a ratio), " s", "/s"
    values: Callable[[Report], list[Found]]  # none found: not run
    at_least: bool = False  # True for a rate the figure must reach; else the figure must stay at or under the limit

    @property
    def text(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.limit:g}{self.unit}"


@dataclass(frozen=True)
class Verdict:
    goal: Goal
    value: float | None  # the worst value measured; None when not run or not finished
    where: str  # which size it came from, or why there is none
    status: str  # ok, MISSED, not run


def _jobs(
    pick: Callable[[JobSize], tuple[JobRun | None, RawRun]], figure: Callable[[JobRun, RawRun], float], rows: int = 0
) -> Callable[[Report], list[Found]]:
    """A job's figure at every size (or only at `rows`) where that job ran."""

    def values(report: Report) -> list[Found]:
        found: list[Found] = []
        for size in report.jobs:
            job, raw = pick(size)
            if job is None or rows not in (0, size.rows):
                continue
            finished = job.ended and job.status == "FINISHED"
            where = f"R = {size.rows}" if finished else f"R = {size.rows}, {job.status}"
            found.append((figure(job, raw) if finished else None, where))
        return found

    return values


def _api_ratio(name: str) -> Callable[[Report], list[Found]]:
    def values(report: Report) -> list[Found]:
        if report.concurrency != API_THREADS:
            return []
        found: list[Found] = []
        for run in report.sizes:
            operation = next(operation for operation in run.operations if operation.name == name)
            api, raw = operation.api.sample, operation.raw
            if api.errors or raw is None:
                found.append((None, f"N = {run.size}, {api.errors.total()} failed"))
            else:
                found.append((api.wall / raw.sample.wall, f"N = {run.size}"))
        return found

    return values


def _throughput(report: Report) -> list[Found]:
    if report.throughput is None:
        return []
    sample = report.throughput.sample
    return [(sample.per_second, f"p95 {sample.percentile(95) * 1000:.0f} ms, {sample.errors.total()} non-200")]


def _webhook_latency(report: Report) -> list[Found]:
    """The p95 of write -> receipt; None when an event did not arrive or a signature did not verify."""
    hooks = report.webhooks
    if hooks is None:
        return []
    sample = hooks.latency
    if sample.errors or not sample.calls or hooks.bad_signatures:
        return [(None, f"{sample.errors.total()} missing, {hooks.bad_signatures} bad signatures")]
    return [(sample.percentile(95), f"{sample.calls} events, max {max(sample.latencies):.2f} s")]


def _webhook_rate(report: Report) -> list[Found]:
    """Events a second over the burst; None when not all of its events arrived."""
    hooks = report.webhooks
    if hooks is None:
        return []
    if not hooks.complete or hooks.bad_signatures:
        return [(None, f"{hooks.burst_received} of {hooks.burst} arrived")]
    return [(hooks.events_per_second, f"M = {hooks.burst}, writes {hooks.writes_per_second:.1f}/s")]


def _lead_runs(pick: str) -> Callable[[Report], list[Found]]:
    """The seconds of the dry run or the import of 1,000 leads, at each number of existing leads."""

    def values(report: Report) -> list[Found]:
        if report.leads is None:
            return []
        return [(getattr(size, pick).seconds, f"E = {size.existing:,}") for size in report.leads.sizes]

    return values


def _campaign_ratio(report: Report) -> list[Found]:
    """Each campaign export's wall over the raw Query loop of its size; None when it did not finish or
    its file did not hold the rows seeded."""
    if report.campaigns is None:
        return []
    found: list[Found] = []
    for size in report.campaigns.sizes:
        for run in size.exports:
            where = f"N = {size.entries}, {run.export_type}"
            if not run.finished:
                found.append((None, f"{where}, {run.job.status}"))
            elif not run.rows_match:
                found.append((None, f"{where}, {run.downloaded_rows} of {run.expected_rows} rows"))
            else:
                found.append((run.job.wall / size.raw_query.wall, where))
    return found


def _campaign_chunk_memory(report: Report) -> list[Found]:
    """Chunk 1's peak resident set at each size over that at the smallest, among the sizes whose chunk 1
    is a full one (two chunks or more); not run with fewer than two such sizes."""
    if report.campaigns is None:
        return []
    full = [size.memory for size in report.campaigns.sizes if size.memory is not None and size.memory.chunks > 1]
    if len(full) < 2:
        return []
    smallest = min(full, key=lambda memory: memory.rows)
    return [
        (memory.chunk.max_rss_kib / smallest.chunk.max_rss_kib, f"N = {memory.rows:,} / {smallest.rows:,}")
        for memory in full
        if memory is not smallest
    ]


def _imported(size: JobSize) -> tuple[JobRun | None, RawRun]:
    return size.import_job, size.raw_write


def _exported(size: JobSize) -> tuple[JobRun | None, RawRun]:
    return size.export_job, size.raw_query


def _ratio(job: JobRun, raw: RawRun) -> float:
    return job.wall / raw.wall


def _wall(job: JobRun, _: RawRun) -> float:
    return job.wall


GOALS = (
    Goal("import wall / raw BatchWriteItem loop, same rows", 4, "x", _jobs(_imported, _ratio)),
    Goal("export wall / raw Query pages, same rows", 2, "x", _jobs(_exported, _ratio)),
    Goal("100,000-row import, wall", 600, " s", _jobs(_imported, _wall, LARGE_ROWS)),
    Goal("100,000-contact export, wall", 600, " s", _jobs(_exported, _wall, LARGE_ROWS)),
    Goal(f"API create / raw PutItem, wall, {API_THREADS} threads", 3, "x", _api_ratio(CREATE)),
    Goal(f"API get / raw GetItem, wall, {API_THREADS} threads", 3, "x", _api_ratio(GET)),
    Goal(f"API delete / raw DeleteItem, wall, {API_THREADS} threads", 3, "x", _api_ratio(DELETE)),
    Goal(f"GETs of one contact, {THREADS} threads, per second", 50, "/s", _throughput, at_least=True),
    # "Within about a second" of the write, of which the stream's 1 s batching window is part
    # (benchmarks/README.md, "Webhooks").
    Goal("webhook write -> receipt p95, local stack", 2.0, " s", _webhook_latency),
    # About the API's own create rate from 4 threads on the 2-core machine: below it, a steady
    # writer builds a backlog of undelivered events (benchmarks/README.md, "Webhooks").
    Goal(f"webhook events/s, burst of creates, {API_THREADS} threads", 20, "/s", _webhook_rate, at_least=True),
    # The seed budgets 10 ms a lead; issue 14 asks these of the local stack, at 100,000 existing leads.
    Goal("lead migration dry run, 1,000 leads", 1.0, " s", _lead_runs("dry_run")),
    Goal("lead migration import, 1,000 leads", 3.0, " s", _lead_runs("production")),
    # Issue 12's export goal, for each campaign export type measured (benchmarks/README.md, "Campaign exports").
    Goal("campaign export wall / raw Query pages, same N", 2, "x", _campaign_ratio),
    # Flat: a chunk handles CHUNK_ROWS entries whatever the campaign's size.
    Goal("campaign export chunk 1 peak RSS, N / smallest N", 1.2, "x", _campaign_chunk_memory),
)


def judge(goal: Goal, report: Report) -> Verdict:
    found = goal.values(report)
    if not found:
        return Verdict(goal, None, "", "not run")
    unfinished = [where for value, where in found if value is None]
    if unfinished:
        return Verdict(goal, None, unfinished[0], "MISSED")
    measured = [(value, where) for value, where in found if value is not None]
    value, where = min(measured) if goal.at_least else max(measured)
    held = value >= goal.limit if goal.at_least else value <= goal.limit
    return Verdict(goal, value, where, "ok" if held else "MISSED")


def verdicts(report: Report) -> list[Verdict]:
    return [judge(goal, report) for goal in GOALS]


def render_summary(report: Report) -> str:
    lines = [
        "Speed goals: the worst value over the sizes run (noisy when other work shares the machine)",
        f"  {'figure':<50} {'measured':>9}  {'at':<26} {'goal':<9} status",
    ]
    for verdict in verdicts(report):
        unit = verdict.goal.unit
        places = 2 if unit == "x" or (verdict.value is not None and verdict.value < 10) else 1
        value = "-" if verdict.value is None else f"{verdict.value:.{places}f}{unit}"
        lines.append(
            f"  {verdict.goal.figure:<50} {value:>9}  {verdict.where:<26} {verdict.goal.text:<9} {verdict.status}"
        )
    if report.parts:
        parts = ", ".join(f"{part} {seconds:.0f} s" for part, seconds in report.parts.items())
        lines.append(f"Time: {parts}; {sum(report.parts.values()):.0f} s in all")
    return "\n".join(lines)


def summary_json(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "figure": verdict.goal.figure,
            "value": None if verdict.value is None else round(verdict.value, 2),
            "at": verdict.where,
            "goal": verdict.goal.text,
            "limit": verdict.goal.limit,
            "status": verdict.status,
        }
        for verdict in verdicts(report)
    ]
