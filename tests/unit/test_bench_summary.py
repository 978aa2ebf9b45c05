"""The speed goals of `make bench` (benchmarks/summary.py): the worst value over the sizes run, and
ok / MISSED / not run, judged on hand-made figures."""

from __future__ import annotations

import json
import re
from collections import Counter

from benchmarks.campaign_exports import CampaignExportRun, CampaignPart, CampaignSize, Seeding
from benchmarks.chunk_memory import ChunkMemory, StepMemory
from benchmarks.counting import Requests
from benchmarks.jobs import JobRun, JobSize, RawRun
from benchmarks.lead_migration import LeadFigures, LeadPart, Run
from benchmarks.report import CREATE, DELETE, GET, Measured, Operation, Report, SizeRun, render, to_json
from benchmarks.summary import GOALS, render_summary, summary_json, verdicts
from benchmarks.throughput import Throughput
from benchmarks.timing import Sample
from benchmarks.webhooks import WebhookFigures


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


def hooks(
    latencies: tuple[float, ...], received: int, seconds: float, missing: int = 0, bad: int = 0
) -> WebhookFigures:
    """Sequential events that took `latencies`; a burst of 100 creates written in 4 s, of which
    `received` arrived `seconds` after the first write."""
    latency = Sample(latencies, sum(latencies), Counter({"no event within 30 s": missing} if missing else {}))
    raw = Sample((0.006,) * 100, 0.7)
    return WebhookFigures(
        1.0, latency, Sample((0.02,) * len(latencies), 1.0), 100, 4, received, 4.0, seconds, Requests(), raw, 1.0,
        len(latencies) + received - bad, bad, 0, None, None,
    )  # fmt: skip


def report(
    sizes: list[SizeRun],
    jobs: list[JobSize],
    per_second: float | None,
    concurrency: int = 4,
    webhooks: WebhookFigures | None = None,
    leads: LeadPart | None = None,
    campaigns: CampaignPart | None = None,
) -> Report:
    load = None if per_second is None else Throughput(8, 1.0, Sample((0.1,) * int(per_second * 10), 10.0))
    return Report(
        concurrency, "moto", None, sizes, 1.0, 5000, jobs, throughput=load, webhooks=webhooks, leads=leads,
        campaigns=campaigns,
    )  # fmt: skip


def chunk_peak(entries: int, peak_mib: int, chunks: int) -> ChunkMemory:
    """A campaign export's plan and chunk 1 in worker processes that started at 60 MiB."""
    plan = StepMemory("plan", 1.0, 60 * 1024, 62 * 1024, {})
    chunk = StepMemory("process_chunk", 2.0, 60 * 1024, peak_mib * 1024, {})
    return ChunkMemory("campaign", entries, 5000, chunks, plan, chunk, {"rows": 5000})


def campaign_size(
    entries: int, walls: dict[str, float], memory: ChunkMemory | None = None, downloaded: int | None = None
) -> CampaignSize:
    """Exports (type -> wall) of a campaign of `entries`, next to a raw Query loop of 1 s: their walls
    are the ratios. Each counted and downloaded the rows expected (`downloaded`: the file held these)."""
    runs = []
    for export_type, wall in walls.items():
        status = "FINISHED" if wall < 1000 else "RUNNING"
        finished = JobRun(f"campaign export {export_type}", status, entries, wall, status == "FINISHED", {}, [],
                          Requests(), 0, 0, 3)  # fmt: skip
        file_rows = entries if downloaded is None else downloaded
        runs.append(CampaignExportRun(export_type, entries, file_rows if status == "FINISHED" else None, finished))
    seeding = Seeding(1.0, 1.0, 1.0, entries // 3, entries // 3)
    raw = RawRun("Query", entries, 1, 1.0)
    return CampaignSize(entries, 5000, seeding, runs, RawRun("BatchWriteItem", entries, 1, 1.0), raw, memory)


def lead_size(existing: int, dry_run: float, production: float) -> LeadFigures:
    return LeadFigures(existing, 1.0, Run(dry_run, 0.05, {}), Run(production, 0.45, {}))


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
            webhooks=hooks((1.2,) * 18 + (1.9, 2.5), received=100, seconds=8.0),
            leads=LeadPart([lead_size(1000, 0.9, 4.0), lead_size(100_000, 1.0, 2.5)]),
            campaigns=CampaignPart(
                [
                    campaign_size(10_000, {"entries": 1.5, "reminderEmail": 1.2}, chunk_peak(10_000, 100, 2)),
                    campaign_size(100_000, {"entries": 1.9, "reminderEmail": 2.1}, chunk_peak(100_000, 110, 20)),
                ]
            ),
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
        ("ok", 1.9, "20 events, max 2.50 s"),  # webhook p95 (the 19th of 20): at most 2 s
        ("MISSED", 12.5, "M = 100, writes 25.0/s"),  # webhook events a second: at least 20
        ("ok", 1.0, "E = 100,000"),  # lead migration dry run: at most 1 s
        ("MISSED", 4.0, "E = 1,000"),  # lead migration import: at most 3 s
        ("MISSED", 2.1, "N = 100000, reminderEmail"),  # campaign export: at most 2x the raw Query loop
        ("ok", 1.1, "N = 100,000 / 10,000"),  # campaign chunk 1 peak: at most 1.2x the smallest size's
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


def test_a_webhook_event_that_did_not_arrive_or_verify_misses_and_a_burst_that_kept_up_holds() -> None:
    missing = statuses(report([], [], None, webhooks=hooks((1.0,) * 5, received=97, seconds=90.0, missing=1)))
    assert missing["webhook write -> receipt p95, local stack"] == ("MISSED", None, "1 missing, 0 bad signatures")
    assert missing["webhook events/s, burst of creates, 4 threads"] == ("MISSED", None, "97 of 100 arrived")
    forged = statuses(report([], [], None, webhooks=hooks((1.0,) * 5, received=100, seconds=4.5, bad=1)))
    assert forged["webhook write -> receipt p95, local stack"][0] == "MISSED"
    held = statuses(report([], [], None, webhooks=hooks((1.0,) * 5, received=100, seconds=4.5)))
    assert held["webhook write -> receipt p95, local stack"] == ("ok", 1.0, "5 events, max 1.00 s")
    assert held["webhook events/s, burst of creates, 4 threads"][:2] == ("ok", 100 / 4.5)


def test_the_webhook_figures_print_and_go_into_the_json() -> None:
    figures = report([], [], None, webhooks=hooks((1.0, 1.5), received=100, seconds=5.0))
    assert "100 of 100 events received 5.0 s after the first write" in render(figures)
    line = r"webhook write -> receipt p95, local stack +1.50 s +2 events, max 1.50 s +<= 2 s +ok"
    assert re.search(line, render_summary(figures))
    written = json.loads(json.dumps({**to_json(figures), "goals": summary_json(figures)}))
    assert written["webhooks"]["burst"]["eventsPerSecond"] == 20.0
    assert written["webhooks"]["latency"]["p95Ms"] == 1500.0


def test_a_campaign_export_that_did_not_finish_or_lost_rows_misses() -> None:
    running = statuses(report([], [], None, campaigns=CampaignPart([campaign_size(2000, {"entries": 5000.0})])))
    assert running["campaign export wall / raw Query pages, same N"] == ("MISSED", None, "N = 2000, entries, RUNNING")
    short = CampaignPart([campaign_size(2000, {"entries": 1.0, "reminderEmail": 1.0}, downloaded=1999)])
    found = statuses(report([], [], None, campaigns=short))
    assert found["campaign export wall / raw Query pages, same N"] == (
        "MISSED",
        None,
        "N = 2000, entries, 1999 of 2000 rows",
    )
    held = statuses(report([], [], None, campaigns=CampaignPart([campaign_size(2000, {"entries": 1.4})])))
    assert held["campaign export wall / raw Query pages, same N"] == ("ok", 1.4, "N = 2000, entries")


def test_the_campaign_chunk_memory_needs_two_sizes_of_full_chunks_and_keeps_the_highest_peak_ratio() -> None:
    goal = "campaign export chunk 1 peak RSS, N / smallest N"
    one_chunk = [campaign_size(2000, {"entries": 1.0}, chunk_peak(2000, 70, 1))]
    alone = [*one_chunk, campaign_size(10000, {"entries": 1.0}, chunk_peak(10000, 100, 2))]
    assert statuses(report([], [], None, campaigns=CampaignPart(alone)))[goal][0] == "not run"
    grown = [
        *alone,
        campaign_size(50000, {"entries": 1.0}, chunk_peak(50000, 110, 10)),
        campaign_size(100000, {"entries": 1.0}, chunk_peak(100000, 130, 20)),
    ]
    assert statuses(report([], [], None, campaigns=CampaignPart(grown)))[goal] == (
        "MISSED",
        1.3,
        "N = 100,000 / 10,000",
    )


def test_the_campaign_figures_print_and_go_into_the_json() -> None:
    part = CampaignPart([campaign_size(10_000, {"entries": 1.5}, chunk_peak(10_000, 100, 2))])
    figures = report([], [], None, campaigns=part)
    text = render(figures)
    assert re.search(r"entries +FINISHED +10000 +1\.5 +6666\.7 \| Query +10000 .* 1\.50x", text)
    assert "10000 rows in the downloaded file, 10000 expected" in text
    written = json.loads(json.dumps({**to_json(figures), "goals": summary_json(figures)}))
    size = written["campaignExports"][0]
    assert size["exports"][0]["exportToRawWall"] == 1.5
    assert size["chunkMemory"]["chunk1"]["maxRssKiB"] == 100 * 1024
