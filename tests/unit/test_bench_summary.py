"""The speed goals of `make bench` (benchmarks/summary.py): the worst value over the sizes run, and
ok / MISSED / not run, judged on hand-made figures."""

from __future__ import annotations

from collections import Counter

from benchmarks.counting import Requests
from benchmarks.jobs import JobRun, JobSize, RawRun
from benchmarks.report import CREATE, DELETE, GET, Measured, Operation, Report, SizeRun
from benchmarks.summary import GOALS, verdicts
from benchmarks.throughput import Throughput
from benchmarks.timing import Sample


def measured(wall: float, errors: int = 0) -> Measured:
    return Measured(Sample((0.01,) * 10, wall, Counter({"GET 500": errors} if errors else {})), Requests())


def api_round(size: int, create: float, get: float, delete: float, errors: int = 0) -> SizeRun:
    """A round whose API calls took `create`, `get`, `delete` times the raw call's 1 s."""
    ratios = ((CREATE, create), (GET, get), (DELETE, delete))
    operations = [Operation(name, measured(ratio, errors), measured(1.0)) for name, ratio in ratios]
    return SizeRun(size, 0, operations, measured(1.0), 9)


def job(kind: str, wall: float, status: str = "FINISHED", ended: bool = True) -> JobRun:
    return JobRun(kind, status, 10, wall, ended, {}, [], Requests(), 0, 0, 1)


def job_size(rows: int, import_wall: float | None, export_wall: float | None, status: str = "FINISHED") -> JobSize:
    """Jobs next to raw loops of 1 s, so their walls are the ratios; no import: an export of seeded contacts."""
    imported = job("import", import_wall, status, ended=status != "RUNNING") if import_wall else None
    exported = job("export", export_wall) if export_wall else None
    raw_write, raw_query = RawRun("BatchWriteItem", rows, 1, 1.0), RawRun("Query", rows, 1, 1.0)
    return JobSize(rows, 1, 5000, imported, raw_write, exported, raw_query)


def report(sizes: list[SizeRun], jobs: list[JobSize], per_second: float | None, concurrency: int = 4) -> Report:
    load = None if per_second is None else Throughput(8, 1.0, Sample((0.1,) * int(per_second * 10), 10.0))
    return Report(concurrency, "moto", None, sizes, 1.0, 5000, jobs, throughput=load)


def statuses(figures: Report) -> dict[str, tuple[str, float | None, str]]:
    return {v.goal.figure: (v.status, v.value, v.where) for v in verdicts(figures)}


def test_a_run_that_measured_nothing_runs_no_goal() -> None:
    assert {status for status, _, _ in statuses(report([], [], None)).values()} == {"not run"}


def test_each_goal_keeps_the_worst_size_and_says_whether_it_holds() -> None:
    found = statuses(
        report(
            [api_round(100, 2.0, 3.0, 3.5), api_round(400, 2.5, 1.0, 2.0)],
            [job_size(1000, 3.0, 1.5), job_size(2000, 4.0, 2.5)],
            per_second=49.0,
        )
    )
    figures = [goal.figure for goal in GOALS]
    assert [found[figure] for figure in figures] == [
        ("ok", 4.0, "R = 2000"),  # import: at most 4x
        ("MISSED", 2.5, "R = 2000"),  # export: at most 2x
        ("not run", None, ""),  # no 100,000-row size
        ("not run", None, ""),
        ("ok", 2.5, "N = 400"),  # API create
        ("ok", 3.0, "N = 100"),  # API get
        ("MISSED", 3.5, "N = 100"),  # API delete
        ("MISSED", 49.0, "p95 100 ms, 0 non-200"),  # GETs: at least 50 a second
    ]


def test_the_100000_row_goals_read_only_that_size_and_a_job_that_did_not_finish_misses() -> None:
    sizes = [job_size(1000, 3.0, 1.0), job_size(100_000, 700.0, None, "RUNNING"), job_size(100_000, None, 500.0)]
    found = statuses(report([], sizes, None))
    assert found["100,000-row import, wall"] == ("MISSED", None, "R = 100000, RUNNING")
    assert found["100,000-contact export, wall"] == ("ok", 500.0, "R = 100000")
    assert found["import wall / raw BatchWriteItem loop, same rows"][0] == "MISSED"


def test_failed_api_calls_miss_and_other_thread_counts_are_not_the_goal() -> None:
    failed = statuses(report([api_round(100, 1.0, 1.0, 1.0, errors=2)], [], 60.0))
    assert failed["API get / raw GetItem, wall, 4 threads"] == ("MISSED", None, "N = 100, 2 failed")
    assert failed["GETs of one contact, 8 threads, per second"][0] == "ok"
    other = statuses(report([api_round(100, 1.0, 1.0, 1.0)], [], None, concurrency=8))
    assert other["API get / raw GetItem, wall, 4 threads"][0] == "not run"
